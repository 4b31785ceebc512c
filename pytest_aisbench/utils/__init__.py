"""Small utilities shared by backends (AISBench path: ``ais_bench.benchmark.utils``)."""

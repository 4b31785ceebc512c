"""AISBench module paths that backend files import (``ais_bench.benchmark.openicl``)."""

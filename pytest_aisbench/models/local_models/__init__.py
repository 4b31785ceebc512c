"""Local backends, loaded and run in this process (AISBench path: ``models.local_models``)."""

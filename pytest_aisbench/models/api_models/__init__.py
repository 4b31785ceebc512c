"""Service backends, reached over HTTP (AISBench path: ``models.api_models``)."""

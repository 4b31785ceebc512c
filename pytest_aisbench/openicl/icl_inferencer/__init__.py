"""AISBench module path (``openicl.icl_inferencer``); only what backend files import."""

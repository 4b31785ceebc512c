"""AISBench module path (``openicl.icl_inferencer.output_handler``)."""

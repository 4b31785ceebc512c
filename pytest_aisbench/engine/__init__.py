"""How requests are sent, in layers that accuracy runs and load runs share.

``loop`` (event loops), ``pacing`` (send slots and precise waits) and ``send`` (one request,
its output always filled) are the lower layer: ``perf/`` uses them and nothing above. The
accuracy side adds ``runner`` (one backend's policy: build once, concurrency, circuit breaker,
token counts, local batches) and ``accuracy`` (one record per sample).
"""

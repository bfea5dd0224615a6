"""Keeping the garbage collector off what every request shares (a gunicorn worker's hook).

A web worker holds a large, long-lived heap once warm: Django, the URLconf, compiled templates,
the catalogue, the row caches' first entries. CPython's oldest-generation collection walks all
of it (about 65 ms on the 2-core machine, a stall for whichever request triggers it), and the
younger collections keep promoting into it. Freezing the heap after a warm-up moves everything
alive at that point out of the collector's sight: measured in-process over the load test's mix,
collection time per request halved and the 65 ms collections stopped (docs/benchmarks.md, "Web
load"). Objects frozen are still freed by reference counting; only cycles made before the
freeze and dropped later stay, until the worker is recycled (`max_requests`)."""

import gc
import itertools

from django.core.signals import request_finished

DISPATCH_UID = "restore-freeze-heap-after-warm-up"


def freeze_after(requests: int) -> None:
    """Freeze the heap once this process has finished `requests` requests (warm by then:
    every page's templates and queries have been compiled)."""
    finished = itertools.count(1)

    def count_and_freeze(**_):
        if next(finished) >= requests:
            request_finished.disconnect(dispatch_uid=DISPATCH_UID)
            gc.collect()
            gc.freeze()

    request_finished.connect(count_and_freeze, weak=False, dispatch_uid=DISPATCH_UID)

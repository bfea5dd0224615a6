"""Once per worker process: share the CPU cores among the cluster's workers. And its end, when
its CUDA context is unusable."""

import logging
import os

from django.conf import settings

_prepared = False


def prepare_worker_process() -> None:
    global _prepared
    if _prepared:
        return
    _prepared = True
    threads = settings.WORKER_TORCH_THREADS
    if not threads and str(settings.RESTORE_DEVICE).startswith("cpu"):
        workers = max(1, int(settings.Q_CLUSTER.get("workers") or 1))
        threads = max(1, (os.cpu_count() or 1) // workers)
    if threads:
        import torch

        torch.set_num_threads(threads)


def end_worker_process(reason: str) -> None:
    """End this worker process at once; django-q2's sentinel sees it gone and starts a fresh one
    (with a fresh CUDA context). os._exit, not sys.exit: nothing may touch CUDA on the way out."""
    logging.getLogger(__name__).critical("worker process %s ends: %s", os.getpid(), reason)
    logging.shutdown()
    os._exit(WORKER_RESTART_EXIT_CODE)


WORKER_RESTART_EXIT_CODE = 75  # EX_TEMPFAIL

"""Once per worker process: share the CPU cores among the cluster's workers."""

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

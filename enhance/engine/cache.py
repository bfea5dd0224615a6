"""Per-process network cache: each network is built (weights read) once per process and
reused; beyond a memory budget the least recently used networks are evicted. An evicted GPU
network's memory goes back to the driver at once (PyTorch's caching allocator would otherwise
keep it reserved for this process), and so does a finished job's (release_job_memory)."""

from __future__ import annotations

import gc
import os
import threading
from collections import OrderedDict
from collections.abc import Callable

import torch

DEFAULT_BUDGET_MB = 2048


def _budget_bytes() -> int:
    try:
        return int(float(os.environ.get("RESTORE_MODEL_CACHE_MB", DEFAULT_BUDGET_MB)) * 1024 * 1024)
    except ValueError:
        return DEFAULT_BUDGET_MB * 1024 * 1024


def module_bytes(module: torch.nn.Module) -> int:
    tensors = list(module.parameters()) + list(module.buffers())
    return sum(t.numel() * t.element_size() for t in tensors)


class NetworkCache:
    def __init__(self, budget_bytes: int | None = None):
        self._items: OrderedDict[str, tuple[torch.nn.Module, int]] = OrderedDict()
        self._lock = threading.RLock()
        self.budget_bytes = budget_bytes if budget_bytes is not None else _budget_bytes()
        self.builds = 0

    def get(self, key: str, build: Callable[[], torch.nn.Module]) -> torch.nn.Module:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key][0]
            module = build()
            self.builds += 1
            self._items[key] = (module, module_bytes(module))
            self._evict(keep=key)
            return module

    def _evict(self, keep: str) -> None:
        while len(self._items) > 1 and self.used_bytes() > self.budget_bytes:
            oldest = next(iter(self._items))
            if oldest == keep:
                break
            module, _size = self._items.pop(oldest)
            on_gpu = _on_cuda(module)
            del module
            if on_gpu:
                release_cuda_memory()

    def used_bytes(self) -> int:
        return sum(size for _, size in self._items.values())

    def keys(self) -> list[str]:
        with self._lock:
            return list(self._items)

    def clear(self) -> None:
        with self._lock:
            on_gpu = any(_on_cuda(module) for module, _size in self._items.values())
            self._items.clear()
        if on_gpu:
            release_cuda_memory()


def _on_cuda(module: torch.nn.Module) -> bool:
    return any(t.is_cuda for t in module.parameters())


def release_cuda_memory() -> None:
    """Hand the caching allocator's unused blocks back to the driver. Never initialises CUDA:
    a process that has not used the GPU has nothing to hand back."""
    if torch.cuda.is_initialized():
        gc.collect()  # tensors kept alive only by reference cycles (tracebacks) go first
        torch.cuda.empty_cache()


def release_job_memory(device: torch.device) -> None:
    """After a job on `device`: its activations and tile buffers go back, the cached networks stay."""
    if device.type == "cuda":
        release_cuda_memory()


NETWORKS = NetworkCache()

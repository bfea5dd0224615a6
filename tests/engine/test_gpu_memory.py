"""GPU memory goes back: an evicted network's and a finished job's. Simulated on the CPU: the
cache is told its networks sit on a GPU and PyTorch's empty_cache is recorded."""

from __future__ import annotations

import pytest
import torch

from enhance.engine import cache
from enhance.engine.cache import NetworkCache, release_job_memory

pytestmark = pytest.mark.engine


@pytest.fixture
def fake_gpu(monkeypatch):
    calls = []
    monkeypatch.setattr(cache, "_on_cuda", lambda module: True)
    monkeypatch.setattr(torch.cuda, "is_initialized", lambda: True)
    monkeypatch.setattr(torch.cuda, "empty_cache", lambda: calls.append("empty_cache"))
    return calls


def _net(size: int) -> torch.nn.Module:
    return torch.nn.Linear(size, size, bias=False)  # size*size*4 bytes


def test_an_evicted_gpu_network_frees_its_memory(fake_gpu):
    networks = NetworkCache(budget_bytes=2 * 64 * 64 * 4)
    networks.get("a", lambda: _net(64))
    networks.get("b", lambda: _net(64))
    assert fake_gpu == []
    networks.get("c", lambda: _net(64))
    assert networks.keys() == ["b", "c"] and fake_gpu == ["empty_cache"]
    networks.clear()
    assert fake_gpu == ["empty_cache", "empty_cache"]


def test_a_cpu_network_eviction_never_touches_cuda(monkeypatch):
    monkeypatch.setattr(torch.cuda, "empty_cache", lambda: pytest.fail("empty_cache on a CPU-only cache"))
    networks = NetworkCache(budget_bytes=1)
    networks.get("a", lambda: _net(8))
    networks.get("b", lambda: _net(8))
    assert networks.keys() == ["b"]


def test_a_finished_job_hands_gpu_memory_back_only_on_cuda(fake_gpu):
    release_job_memory(torch.device("cpu"))
    assert fake_gpu == []
    release_job_memory(torch.device("cuda", 0))
    assert fake_gpu == ["empty_cache"]


def test_release_never_initialises_cuda(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_initialized", lambda: False)
    monkeypatch.setattr(torch.cuda, "empty_cache", lambda: pytest.fail("would initialise CUDA"))
    release_job_memory(torch.device("cuda", 0))

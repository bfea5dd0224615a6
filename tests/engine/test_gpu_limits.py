"""The GPU pixel cap for scratch repair: the smaller of what fits the GPU's memory and what its
attention finishes in time; an operator's SCRATCH_REPAIR_MAX_PIXELS_CUDA wins."""

from __future__ import annotations

from enhance.engine.catalog import get_spec
from enhance.engine.catalog.bopb import (
    GPU_FIXED_BYTES,
    GPU_SCRATCH_BYTES_PER_PIXEL,
    GPU_SCRATCH_SECONDS,
    gpu_scratch_pixels,
)
from enhance.engine.catalog.spec import DeviceInfo

T4 = DeviceInfo("cuda", "Tesla T4", 15 << 30, (7, 5))
A100 = DeviceInfo("cuda", "A100", 80 << 30, (8, 0), bf16=True)
H200 = DeviceInfo("cuda", "H200", 141 << 30, (9, 0), bf16=True)
SMALL = DeviceInfo("cuda", "8 GB card", 8 << 30, (8, 6), bf16=True)


def _attention_seconds(pixels: int, flops: float) -> float:
    return 8 * pixels**2 / flops


def test_caps_grow_with_the_gpu_and_stay_within_memory_and_time():
    caps = [gpu_scratch_pixels(d) for d in (SMALL, T4, A100, H200)]
    assert caps == sorted(caps) and caps[0] < caps[-1]
    for device, cap in zip((SMALL, T4, A100, H200), caps, strict=True):
        assert GPU_FIXED_BYTES + cap * GPU_SCRATCH_BYTES_PER_PIXEL <= device.memory_bytes
    assert _attention_seconds(gpu_scratch_pixels(T4), 4e12) <= GPU_SCRATCH_SECONDS * 1.001
    # a T4's cap is memory- and time-bound near 17 MP; an H200's only by time
    assert 15e6 < gpu_scratch_pixels(T4) < 20e6
    assert gpu_scratch_pixels(H200) < (H200.memory_bytes - GPU_FIXED_BYTES) // GPU_SCRATCH_BYTES_PER_PIXEL


def test_the_spec_publishes_the_cap_and_the_operator_overrides_it():
    spec = get_spec("bopb")
    assert spec.limit_table(T4, {}) == {"scratches": gpu_scratch_pixels(T4)}
    assert spec.pixel_limit({"scratches": True}, T4, {"SCRATCH_REPAIR_MAX_PIXELS_CUDA": "5000000"}) == 5_000_000
    assert spec.pixel_limit({"scratches": True}, T4, {"SCRATCH_REPAIR_MAX_PIXELS_CUDA": "0"}) is None
    assert spec.pixel_limit({"scratches": False}, T4, {}) is None
    cpu = DeviceInfo("cpu", "x", 64 << 30)
    assert spec.pixel_limit({"scratches": True}, cpu, {}) == 2_000_000


def test_worker_processes_sharing_a_gpu_share_its_cap():
    alone, shared = gpu_scratch_pixels(A100), gpu_scratch_pixels(A100, 4)
    assert shared < alone
    assert GPU_FIXED_BYTES + shared * GPU_SCRATCH_BYTES_PER_PIXEL <= A100.memory_bytes // 4
    spec = get_spec("bopb")
    assert spec.pixel_limit({"scratches": True}, A100, {"Q_WORKERS": "4"}) == shared

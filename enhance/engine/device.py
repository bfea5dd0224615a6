"""Device and precision resolution: auto = fp16 on CUDA, bf16 on CPUs with native bf16,
else fp32."""

from __future__ import annotations

import functools
import platform
from pathlib import Path

import torch

from enhance.engine.context import PRECISIONS


@functools.cache
def cpu_flags() -> frozenset[str]:
    """The CPU feature flags Linux reports (empty elsewhere)."""
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return frozenset()
    for line in text.splitlines():
        if line.startswith(("flags", "Features")):
            return frozenset(line.partition(":")[2].split())
    return frozenset()


def cpu_has_avx512_bf16_and_vnni() -> bool:
    """What the engine's own bf16 kernels need: x86-64 with AVX-512 BF16 and VNNI (every CPU
    with the first has the second; both are checked so a hypervisor hiding one is caught)."""
    flags = cpu_flags()
    return platform.machine().lower() in ("x86_64", "amd64") and {"avx512_bf16", "avx512_vnni"} <= flags


@functools.cache
def cpu_has_native_bf16() -> bool:
    flags = cpu_flags()
    if any(flag in flags for flag in ("avx512_bf16", "amx_bf16")):
        return True
    try:  # non-Linux or hidden flags: ask oneDNN (true on AVX-512 BF16, AMX and Arm bf16 cores)
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported()) and not flags
    except (AttributeError, RuntimeError):
        return False


def resolve_device(requested: str | torch.device | None) -> torch.device:
    name = str(requested or "cpu")
    try:
        device = torch.device(name)
    except RuntimeError as exc:
        raise ValueError(f"unknown device {name!r}; use cpu or cuda") from exc
    if device.type not in ("cpu", "cuda"):
        raise ValueError(f"unsupported device {name!r}; use cpu or cuda")
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ValueError("device cuda requested but no CUDA GPU is available; use cpu")
    return device


def resolve_precision(requested: str, device: torch.device) -> str:
    requested = (requested or "auto").lower()
    if requested == "auto":
        if device.type == "cuda":
            return "fp16"
        return "bf16" if cpu_has_native_bf16() else "fp32"
    if requested not in PRECISIONS:
        raise ValueError(f"unknown precision {requested!r}; allowed: auto, {', '.join(PRECISIONS)}")
    return requested

"""Device resolution and description. What "auto" precision means for a model on a device is
the model's spec's decision (ModelSpec.resolve_precision) from describe_device()."""

from __future__ import annotations

import functools
import platform
from pathlib import Path

import torch

from enhance.engine.catalog.spec import DeviceInfo, ModelSpec


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


def cuda_has_bf16(device: torch.device) -> bool:
    """bf16 arithmetic at full rate: compute capability 8.0 (Ampere) and later. Older GPUs (the
    T4 is 7.5) emulate it, slower than fp16."""
    return torch.cuda.get_device_capability(device)[0] >= 8


def describe_device(device: torch.device) -> DeviceInfo:
    if device.type == "cuda":
        props = torch.cuda.get_device_properties(device)
        return DeviceInfo(
            kind="cuda",
            name=props.name,
            memory_bytes=int(props.total_memory),
            capability=(props.major, props.minor),
            bf16=props.major >= 8,
        )
    try:
        import psutil

        memory = int(psutil.virtual_memory().total)
    except ImportError:  # psutil is pinned; this only guards odd installs
        memory = 0
    return DeviceInfo(kind="cpu", name=cpu_model_name(), memory_bytes=memory, bf16=cpu_has_native_bf16())


@functools.cache
def cpu_model_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.partition(":")[2].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


_ANY_MODEL = ModelSpec(id="any", label="", summary="")


def resolve_precision(requested: str, device: torch.device, spec: ModelSpec | None = None) -> str:
    """The precision `spec`'s model runs in on `device` (any model when spec is None)."""
    return (spec or _ANY_MODEL).resolve_precision(requested, describe_device(device))

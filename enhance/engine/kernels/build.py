"""Compile the engine's C kernels (winograd_f43.c, deconv_k4s2.c) on first use and load
them with ctypes.

The shared library is cached per source hash and compiler flags under the kernel cache
folder (env RESTORE_KERNEL_CACHE, default ~/.cache/restore/kernels), written under a
temporary name and renamed, so concurrent workers never load a half-written file. Any
failure (no C compiler, a CPU without AVX-512 BF16 and VNNI, RESTORE_FAST_CONV=0) returns None and
the engine keeps using PyTorch's own convolutions."""

from __future__ import annotations

import ctypes
import functools
import hashlib
import logging
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from enhance.engine.device import cpu_has_avx512_bf16_and_vnni

log = logging.getLogger(__name__)

HERE = Path(__file__).parent
SOURCES = (HERE / "winograd_f43.c", HERE / "deconv_k4s2.c")
HEADERS = (HERE / "bf16_gemm.h",)
FLAGS = (
    "-O3", "-std=c11", "-fPIC", "-shared", "-fopenmp",
    "-mavx512f", "-mavx512bw", "-mavx512vl", "-mavx512bf16", "-mavx512vnni", "-mfma",
)  # fmt: skip


class WinoArgs(ctypes.Structure):
    """Mirror of wino_args in winograd_f43.c (same order and types)."""

    _fields_ = [
        ("x", ctypes.c_void_p), ("x_sn", ctypes.c_long), ("x_sh", ctypes.c_long), ("x_sw", ctypes.c_long),
        ("n", ctypes.c_int), ("h", ctypes.c_int), ("w", ctypes.c_int), ("cin", ctypes.c_int),
        ("y", ctypes.c_void_p), ("y_sn", ctypes.c_long), ("y_sh", ctypes.c_long), ("y_sw", ctypes.c_long),
        ("ho", ctypes.c_int), ("wo", ctypes.c_int), ("cout", ctypes.c_int), ("pad", ctypes.c_int),
        ("u", ctypes.c_void_p), ("bias", ctypes.c_void_p), ("slope", ctypes.c_float),
        ("block_tiles", ctypes.c_int), ("u_scale", ctypes.c_void_p), ("v_bits", ctypes.c_int),
        ("y_channels", ctypes.c_int),
    ]  # fmt: skip


class DeconvArgs(ctypes.Structure):
    """Mirror of deconv_args in deconv_k4s2.c."""

    _fields_ = [
        ("x", ctypes.c_void_p), ("x_sn", ctypes.c_long), ("x_sh", ctypes.c_long), ("x_sw", ctypes.c_long),
        ("n", ctypes.c_int), ("h", ctypes.c_int), ("w", ctypes.c_int), ("cin", ctypes.c_int),
        ("y", ctypes.c_void_p), ("y_sn", ctypes.c_long), ("y_sc", ctypes.c_long), ("y_sh", ctypes.c_long),
        ("y_sw", ctypes.c_long), ("u", ctypes.c_void_p), ("bias", ctypes.c_void_p),
    ]  # fmt: skip


def fast_conv_enabled() -> bool:
    return os.environ.get("RESTORE_FAST_CONV", "1").strip().lower() not in ("0", "false", "no", "off")


def cache_dir() -> Path:
    configured = os.environ.get("RESTORE_KERNEL_CACHE")
    return Path(configured) if configured else Path.home() / ".cache" / "restore" / "kernels"


def library_name(compiler: str) -> str:
    digest = hashlib.sha256()
    for path in (*SOURCES, *HEADERS):
        digest.update(path.read_bytes())
    digest.update(" ".join((compiler, *FLAGS)).encode())
    return f"restore-kernels-{digest.hexdigest()[:16]}.so"


def compile_library(compiler: str, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".build-", suffix=".so", dir=target.parent)
    os.close(fd)
    try:
        command = [compiler, *FLAGS, "-o", tmp, *map(str, SOURCES)]
        subprocess.run(command, check=True, capture_output=True, text=True, timeout=120)
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _load(compiler: str, target: Path) -> ctypes.CDLL:
    if target.exists():
        try:
            return ctypes.CDLL(str(target))
        except OSError:  # unloadable (another libc, a damaged disk): build it again once
            target.unlink(missing_ok=True)
    compile_library(compiler, target)
    return ctypes.CDLL(str(target))


@functools.cache
def kernel_library() -> ctypes.CDLL | None:
    """The loaded kernels, or None when this machine cannot use them (logged once)."""
    if not fast_conv_enabled():
        return None
    if not cpu_has_avx512_bf16_and_vnni():
        log.info("fast bf16 convolution off: this CPU lacks AVX-512 BF16 or VNNI")
        return None
    compiler = shutil.which(os.environ.get("CC", "cc")) or shutil.which("gcc")
    if compiler is None:
        log.warning("fast bf16 convolution off: no C compiler found (set CC)")
        return None
    target = cache_dir() / library_name(compiler)
    try:
        lib = _load(compiler, target)
    except (OSError, subprocess.SubprocessError) as exc:
        detail = getattr(exc, "stderr", "") or exc
        log.warning("fast bf16 convolution off: building the kernels failed: %s", detail)
        return None
    lib.wino_f43.argtypes = [ctypes.POINTER(WinoArgs), ctypes.c_int]
    lib.wino_f43.restype = ctypes.c_int
    lib.deconv_k4s2.argtypes = [ctypes.POINTER(DeconvArgs), ctypes.c_int]
    lib.deconv_k4s2.restype = ctypes.c_int
    log.info("fast bf16 convolution on: %s", target)
    return lib

"""Single layers: PyTorch's bf16 convolution (oneDNN) against the engine's bf16 kernels, on
the shapes RealSR and waifu2x spend their time in. Interleaved runs, medians.

    python -m enhance.engine.bench.layers [--repeats N]

Prints one line per layer: milliseconds for both, the speed-up, and each one's error
against a float64 convolution (relative RMS)."""

from __future__ import annotations

import argparse
import statistics
import time

import torch
import torch.nn.functional as F
from torch import nn

from enhance.engine.kernels.build import kernel_library
from enhance.engine.kernels.deconv import Deconv4x4Stride2
from enhance.engine.kernels.heap import keep_freed_memory
from enhance.engine.kernels.winograd import WinogradConv3x3

# (label, in channels, out channels, height, width, padding): RealSR's dense block on a
# 160 px tile, and waifu2x UpConv7's widest layers on a 384x256 image.
CONV_SHAPES = (
    ("realsr rdb conv1", 64, 32, 160, 160, 1),
    ("realsr rdb conv5", 192, 64, 160, 160, 1),
    ("upconv7 64->128", 64, 128, 262, 390, 0),
    ("upconv7 128->128", 128, 128, 260, 388, 0),
    ("upconv7 128->256", 128, 256, 258, 386, 0),
)
DECONV_SHAPE = ("upconv7 output 256->3", 256, 256, 384)


def _median_ms(fn, repeats: int) -> float:
    fn()
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def _error(y: torch.Tensor, ref: torch.Tensor) -> float:
    return ((y.double() - ref).pow(2).mean() / ref.pow(2).mean()).sqrt().item()


def _row(label: str, direct, fast, ref, repeats: int) -> str:
    direct_ms, fast_ms = [], []
    for _ in range(repeats):  # interleaved, so both see the same machine
        direct_ms.append(_median_ms(direct, 1))
        fast_ms.append(_median_ms(fast, 1))
    d, f = statistics.median(direct_ms), statistics.median(fast_ms)
    return (
        f"{label:24s} oneDNN {d:7.1f} ms  kernel {f:7.1f} ms  x{d / f:4.2f}  "
        f"error {_error(direct(), ref):.1e} / {_error(fast(), ref):.1e}"
    )


def conv_row(label: str, cin: int, cout: int, h: int, w: int, pad: int, repeats: int) -> str:
    conv = nn.Conv2d(cin, cout, 3, 1, pad)
    x = torch.randn(1, cin, h, w)
    ref = F.leaky_relu(F.conv2d(x.double(), conv.weight.double(), conv.bias.double(), padding=pad), 0.1)
    conv = conv.to(torch.bfloat16)
    xb = x.to(torch.bfloat16).contiguous(memory_format=torch.channels_last)
    fast = WinogradConv3x3(conv, 0.1)
    return _row(label, lambda: F.leaky_relu(conv(xb), 0.1), lambda: fast(xb), ref, repeats)


def deconv_row(label: str, cin: int, h: int, w: int, repeats: int) -> str:
    deconv = nn.ConvTranspose2d(cin, 3, 4, 2, 3)
    x = torch.randn(1, cin, h, w)
    ref = F.conv_transpose2d(x.double(), deconv.weight.double(), deconv.bias.double(), stride=2, padding=3)
    deconv = deconv.to(torch.bfloat16)
    xb = x.to(torch.bfloat16).contiguous(memory_format=torch.channels_last)
    fast = Deconv4x4Stride2(deconv)
    return _row(label, lambda: deconv(xb), lambda: fast(xb), ref, repeats)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    repeats = parser.parse_args().repeats
    if kernel_library() is None:
        raise SystemExit("the bf16 kernels are not available on this machine (see the log above)")
    keep_freed_memory()  # as in a worker, so neither side pays fresh-page faults
    torch.manual_seed(0)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads")
    with torch.inference_mode():
        for shape in CONV_SHAPES:
            print(conv_row(*shape, repeats), flush=True)
        print(deconv_row(*DECONV_SHAPE, repeats), flush=True)


if __name__ == "__main__":
    main()

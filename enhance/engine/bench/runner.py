"""Throughput of our engine against the ncnn runtime on the same weights and input.

Runs are interleaved (ours, ncnn, ours, ncnn, ...) and medians reported, because the
machine may be shared: side-by-side medians are comparable, absolute numbers less so."""

from __future__ import annotations

import statistics
import time
from dataclasses import asdict, dataclass

import numpy as np
import torch

from enhance.engine.api import enhance_image
from enhance.engine.bench import ncnn_runner
from enhance.engine.bench.testcard import test_card

CASES = {
    "realsr": ("realsr", {}),
    "waifu2x-art": ("waifu2x", {"style": "art", "scale": 2, "noise": 1}),
    "waifu2x-photo": ("waifu2x", {"style": "photo", "scale": 2, "noise": 1}),
    "realesrgan": ("realesrgan", {"variant": "x4plus"}),
    "realesrgan-anime": ("realesrgan", {"variant": "x4plus-anime"}),
    "realesrgan-animevideov3": ("realesrgan", {"variant": "animevideov3", "scale": 4}),
}
DEFAULT_SIZES = {
    "realsr": (128, 96),
    "waifu2x-art": (384, 256),
    "waifu2x-photo": (384, 256),
    "realesrgan": (128, 96),
    "realesrgan-anime": (128, 96),
    "realesrgan-animevideov3": (384, 256),
}


@dataclass
class Row:
    case: str
    size: str
    precision: str
    tile: int | None
    threads: int
    seconds: float
    mp_per_s: float  # input megapixels per second
    ncnn_config: str | None = None
    ncnn_seconds: float | None = None
    device: str = "cpu"
    peak_gpu_bytes: int | None = None  # CUDA only: the allocator's peak during the timed runs
    speedup_vs_ncnn: float | None = None
    psnr_vs_fp32: float | None = None
    psnr_vs_ncnn_fp32: float | None = None

    def as_dict(self) -> dict:
        return asdict(self)


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return float("inf") if mse == 0 else 10 * np.log10(255.0**2 / mse)


def _timed(fn):
    started = time.perf_counter()
    result = fn()
    return time.perf_counter() - started, result


def best_ncnn_config(case: str, img, threads: int, repeats: int = 1) -> tuple[str, float]:
    """ncnn's fastest CPU configuration for this case, tried on the benchmark input itself."""
    timings = {}
    for config in ncnn_runner.CONFIGS:
        model = ncnn_runner.NcnnModel(case, config, threads)
        model.run(img)  # warm-up: ncnn packs weights on first run
        timings[config] = min(_timed(lambda m=model: m.run(img))[0] for _ in range(repeats))
    best = min(timings, key=timings.get)
    return best, timings[best]


def bench_case(
    case: str,
    size: tuple[int, int],
    precisions: tuple[str, ...],
    repeats: int,
    tile: int | None,
    with_ncnn: bool,
    log=print,
    device: str = "cpu",
) -> list[Row]:
    model, options = CASES[case]
    img = test_card(*size)
    threads = torch.get_num_threads()
    reference_fp32 = None
    ncnn_config, ncnn_model, ncnn_fp32 = None, None, None
    if with_ncnn and ncnn_runner.available():
        ncnn_fp32 = ncnn_runner.NcnnModel(case, "fp32", threads).run(img)
        ncnn_config, _ = best_ncnn_config(case, img, threads)
        ncnn_model = ncnn_runner.NcnnModel(case, ncnn_config, threads)
        ncnn_model.run(img)
        log(f"  ncnn best CPU config for {case}: {ncnn_config} storage, {threads} threads")
    rows = []
    for precision in precisions:
        run = lambda precision=precision: np.asarray(  # noqa: E731
            enhance_image(img, model, options, precision=precision, tile_size=tile, device=device)
        )  # the image comes back to host memory, so each run's time includes the GPU's work
        run()  # warm-up: network build, oneDNN primitive creation / cuDNN algorithm choice
        on_gpu = device.startswith("cuda")
        if on_gpu:
            torch.cuda.reset_peak_memory_stats()
        ours, theirs, output = [], [], None
        for _ in range(repeats):
            seconds, output = _timed(run)
            ours.append(seconds)
            if ncnn_model is not None:
                theirs.append(_timed(lambda: ncnn_model.run(img))[0])
        median = statistics.median(ours)
        if precision == "fp32":
            reference_fp32 = output
        row = Row(case, f"{size[0]}x{size[1]}", precision, tile, threads, median, size[0] * size[1] / 1e6 / median)
        row.device = device
        if on_gpu:
            row.peak_gpu_bytes = torch.cuda.max_memory_allocated()
        if theirs:
            row.ncnn_config = ncnn_config
            row.ncnn_seconds = statistics.median(theirs)
            row.speedup_vs_ncnn = row.ncnn_seconds / median
            row.psnr_vs_ncnn_fp32 = psnr(output, ncnn_fp32)
        if reference_fp32 is not None:
            row.psnr_vs_fp32 = psnr(output, reference_fp32)
        log(
            f"  {case} {row.size} {precision} on {device}: {median:.2f} s, {row.mp_per_s:.4f} MP/s"
            + (f", peak GPU {row.peak_gpu_bytes / 2**20:.0f} MiB" if on_gpu else "")
            + (f", ncnn {row.ncnn_seconds:.2f} s -> x{row.speedup_vs_ncnn:.2f}" if theirs else "")
        )
        rows.append(row)
    return rows

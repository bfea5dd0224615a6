"""Time and peak memory of BOPB stage 1 at a few image sizes, each run in a fresh subprocess so
peak RSS belongs to that run alone. Uses the installed weights when present, otherwise randomly
initialised networks (same shapes and cost, meaningless pictures).

    bench_bopb(sizes_mp=(0.5, 1, 2), modes=("quality", "scratches"), precision="fp32") -> list[dict]
    python -m enhance.engine.pipelines.bopb_bench --sizes 0.5 1 2 --modes quality scratches
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import time
from pathlib import Path

# stage 1 only: the face stage has its own bench (bopb_faces_bench.py)
MODES = {
    "quality": {"scratches": False, "hr": False, "faces": False},
    "scratches": {"scratches": True, "hr": False, "faces": False},
    "hr": {"scratches": True, "hr": True, "faces": False},
}


def _peak_rss_bytes() -> int:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux reports KiB


def _child(megapixels: float, mode: str, precision: str, weights_dir: str | None) -> dict:
    import numpy as np
    import torch
    from PIL import Image

    from enhance.engine.context import RunContext
    from enhance.engine.pipelines.bopb import BopbPipeline
    from enhance.engine.weights.importers.bopb_layout import BY_CANONICAL

    pipeline = BopbPipeline()
    folder = Path(weights_dir) if weights_dir else Path(os.environ.get("RESTORE_WEIGHTS_DIR", "var/weights"))
    real = pipeline.weights_status(folder)[0]
    if not real:

        class RandomWeights(BopbPipeline):
            def weights_status(self, weights_dir):
                return True, ""

            def network(self, canonical, ctx, dtype=None):
                torch.manual_seed(0)
                net = BY_CANONICAL[canonical].build().eval().requires_grad_(False)
                return net.to(device=ctx.device, dtype=dtype or ctx.dtype)

        pipeline = RandomWeights()
    # 4:3 landscape photo of the requested size
    width = int(round(math.sqrt(megapixels * 1e6 * 4 / 3)))
    height = int(round(megapixels * 1e6 / width))
    pixels = np.random.default_rng(0).integers(0, 256, (height, width, 3), dtype=np.uint8)
    image = Image.fromarray(pixels)
    networks: dict = {}
    # the parent passes the device as the engine's own setting does (bench_bopb(device=...))
    device = torch.device(os.environ.get("RESTORE_DEVICE") or "cpu")
    ctx = RunContext(
        device=device,
        precision=precision,
        tile_size=None,
        weights_dir=folder,
        get_network=lambda key, build: networks[key] if key in networks else networks.setdefault(key, build()),
    )
    options = pipeline.spec.validate_options(MODES[mode])
    rss_before = _peak_rss_bytes()
    started = time.perf_counter()
    out = pipeline.run(image, options, ctx)
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    seconds = time.perf_counter() - started
    assert out.size == image.size
    gpu = {"peak_gpu_mb": round(torch.cuda.max_memory_allocated(device) / 2**20, 1)} if device.type == "cuda" else {}
    return {
        "model": "bopb",
        "mode": mode,
        "megapixels": round(width * height / 1e6, 3),
        "width": width,
        "height": height,
        "precision": precision,
        "weights": "installed" if real else "random",
        "seconds": round(seconds, 2),
        "peak_rss_mb": round(_peak_rss_bytes() / 2**20, 1),
        "peak_rss_before_run_mb": round(rss_before / 2**20, 1),
        "threads": torch.get_num_threads(),
        "device": str(device),
        **gpu,
    }


def bench_bopb(
    sizes_mp=(0.5, 1, 2),
    modes=("quality", "scratches"),
    precision: str = "fp32",
    weights_dir: str | Path | None = None,
    timeout: float = 3600,
    device: str = "cpu",
) -> list[dict]:
    results = []
    env = {**os.environ, "RESTORE_DEVICE": device}
    for mode in modes:
        for size in sizes_mp:
            cmd = [sys.executable, "-m", "enhance.engine.pipelines.bopb_bench", "--child", str(size), mode, precision]
            if weights_dir:
                cmd.append(str(weights_dir))
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False, env=env)
            if proc.returncode != 0:
                results.append({"model": "bopb", "mode": mode, "megapixels": size, "error": proc.stderr.strip()[-500:]})
                continue
            results.append(json.loads(proc.stdout.strip().splitlines()[-1]))
    return results


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "--child":
        size, mode, precision = float(argv[1]), argv[2], argv[3]
        print(json.dumps(_child(size, mode, precision, argv[4] if len(argv) > 4 else None)))
        return
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", nargs="+", type=float, default=[0.5, 1, 2])
    parser.add_argument("--modes", nargs="+", choices=sorted(MODES), default=["quality", "scratches"])
    parser.add_argument("--precision", default="fp32", choices=["fp32", "bf16"])
    args = parser.parse_args(argv)
    for mode in args.modes:
        for size in args.sizes:  # one row at a time: the large sizes take many minutes on a CPU
            for row in bench_bopb((size,), (mode,), args.precision):
                print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()

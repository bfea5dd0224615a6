"""Peak memory of one RealSR job, measured in a fresh subprocess per size so that one
measurement cannot inherit another's high-water mark.

    python -m enhance.engine.bench.memory WEIGHTS_DIR MODEL WIDTH HEIGHT PRECISION
prints JSON: baseline (RSS with the network loaded and the input decoded), peak (VmHWM,
reset just before the job) and output_bytes (the result's uint8 buffer plus Pillow's
4-byte-per-pixel image), and the job's own memory: peak - baseline - output_bytes.

The goal (4 MP and 16 MP within 20 %, output buffer aside) is read off the tile phase:
VmHWM at the last progress report, when every tile has run and only the preallocated
uint8 result (3 B/px) exists besides the working memory, minus that buffer. The whole-job
figure cannot separate the two: at large sizes its peak comes at the end, when Pillow's
copy exists and the tile activations are already freed."""

from __future__ import annotations

import gc
import json
import resource
import subprocess
import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[3]


def _reset_peak() -> bool:
    """Reset the kernel's peak-RSS mark (VmHWM) so the job is measured from here; Linux >= 4.0."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


def _status_bytes(field: str) -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    raise RuntimeError(f"{field} not in /proc/self/status")


def _peak_bytes() -> int:
    try:
        return _status_bytes("VmHWM")
    except (OSError, RuntimeError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux reports KiB


def measure(weights_dir: str, model: str, width: int, height: int, precision: str, timeout: float = 3600) -> dict:
    cmd = [sys.executable, "-m", "enhance.engine.bench.memory", weights_dir, model, str(width), str(height), precision]
    import os

    import torch

    env = {**os.environ, "OMP_NUM_THREADS": str(torch.get_num_threads())}  # same threads as the parent
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False, cwd=PROJECT_ROOT, env=env)
    if done.returncode != 0:
        raise RuntimeError(f"memory probe failed: {done.stderr.strip()[-500:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _child(weights_dir: str, model: str, width: int, height: int, precision: str) -> dict:
    import time

    from enhance.engine import configure, enhance_image
    from enhance.engine.bench.testcard import test_card
    from enhance.engine.kernels.heap import release_freed_memory

    configure(weights_dir=weights_dir, device="cpu")
    enhance_image(test_card(16, 16), model, precision=precision)  # load the network, warm the allocator
    img = test_card(width, height, seed=1)
    gc.collect()
    release_freed_memory()  # the engine keeps freed heap; the job must not count on it
    reset = _reset_peak()
    baseline = _status_bytes("VmRSS")
    tile_phase_peak = [baseline]  # replaced at every progress report before "done"

    def record_peak(fraction: float, stage: str) -> None:
        if stage != "done":
            tile_phase_peak[:] = [_peak_bytes()]

    started = time.perf_counter()
    out = enhance_image(img, model, precision=precision, progress=record_peak)
    seconds = time.perf_counter() - started
    peak = _peak_bytes()
    result_buffer = out.width * out.height * 3
    return {
        "model": model,
        "input": [width, height],
        "output": list(out.size),
        "precision": precision,
        "peak_reset": reset,
        "seconds": seconds,
        "baseline_bytes": baseline,
        "peak_bytes": peak,
        "output_bytes": out.width * out.height * (3 + 4),
        "job_bytes": peak - baseline,
        # Approximate: at large sizes the peak comes at the end, when the output buffers exist and
        # the tile activations are already freed, so this undercounts there.
        "job_bytes_excluding_output": peak - baseline - out.width * out.height * (3 + 4),
        "tile_phase_bytes": tile_phase_peak[0] - baseline,
        "tile_phase_bytes_excluding_output": tile_phase_peak[0] - baseline - result_buffer,
    }


if __name__ == "__main__":
    weights, model_id, w, h, prec = sys.argv[1:6]
    print(json.dumps(_child(weights, model_id, int(w), int(h), prec)))

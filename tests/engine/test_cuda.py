"""On a real NVIDIA GPU only (marker `cuda`; skipped cleanly elsewhere, as everywhere in CI):
every model in `auto` precision against fp32 on the CPU at the production tile sizes, tile halving
under a memory cap, and a real sticky CUDA error. A GPU machine without Django runs the same
figures through scripts/gpu_check.sh."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import numpy as np
import pytest
import torch

from enhance.engine import run_enhancement
from enhance.engine.tiling import forget_learned_tiles, learned_tile
from tests.engine.helpers import psnr, random_image

pytestmark = [
    pytest.mark.engine,
    pytest.mark.cuda,
    pytest.mark.skipif(not torch.cuda.is_available(), reason="needs an NVIDIA GPU (torch.cuda.is_available())"),
]

CASES = [
    ("realsr", {}, (272, 144), 256),
    ("waifu2x", {"style": "art", "scale": 1, "noise": 1}, (416, 216), 400),
    ("waifu2x", {"style": "art", "scale": 2, "noise": 0}, (416, 216), 400),
    ("waifu2x", {"style": "art", "scale": 4, "noise": -1}, (216, 112), 400),
    ("waifu2x", {"style": "photo", "scale": 2, "noise": 1}, (416, 216), 400),
    ("waifu2x", {"style": "photo", "scale": 4, "noise": -1}, (216, 112), 400),
]


@pytest.mark.parametrize(("model", "options", "size", "tile"), CASES)
def test_auto_precision_on_cuda_matches_fp32_on_the_cpu(engine, rng, model, options, size, tile):
    img = random_image(rng, *size)
    cpu = run_enhancement(img, model, options, precision="fp32", tile_size=tile, device="cpu")
    gpu = run_enhancement(img, model, options, precision="auto", tile_size=tile, device="cuda")
    assert gpu.device.startswith("cuda") and gpu.precision in ("fp16", "bf16")
    assert psnr(np.asarray(gpu.image), np.asarray(cpu.image)) >= 45


def test_out_of_memory_halves_the_tile_and_remembers_it(engine, rng):
    forget_learned_tiles()
    img = random_image(rng, 640, 512)
    reference = run_enhancement(img, "waifu2x", {"style": "photo"}, precision="fp16", tile_size=160, device="cuda")
    torch.cuda.empty_cache()
    total = torch.cuda.get_device_properties(0).total_memory
    # about 150 MB: a 160 px tile fits (15 MB per 256-channel fp16 map), a whole 640 x 512 image
    # does not (176 MB for one such map)
    torch.cuda.set_per_process_memory_fraction(150e6 / total)
    try:
        capped = run_enhancement(img, "waifu2x", {"style": "photo"}, precision="fp16", tile_size=0, device="cuda")
    finally:
        torch.cuda.set_per_process_memory_fraction(1.0)
    assert learned_tile("waifu2x/upconv7@cuda/fp16") < 640
    assert psnr(np.asarray(capped.image), np.asarray(reference.image)) >= 40
    forget_learned_tiles()


def test_a_device_side_assert_is_recognised_as_sticky():
    # In a child process: the error poisons the CUDA context for the rest of that process.
    code = textwrap.dedent(
        """
        import torch
        from enhance.engine.cuda_failures import is_sticky_cuda_error
        try:
            x = torch.zeros(4, device="cuda")
            x[torch.tensor([1 << 20], device="cuda")] = 1.0
            torch.cuda.synchronize()
        except RuntimeError as exc:
            print("sticky" if is_sticky_cuda_error(exc) else f"not sticky: {exc}")
        try:
            torch.ones(1, device="cuda").add_(1)
            torch.cuda.synchronize()
            print("context still usable")
        except RuntimeError:
            print("context unusable")
        """
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.stdout.split() == ["sticky", "context", "unusable"], done.stdout + done.stderr

"""Tiled inference: seamless against the whole image, odd sizes, tiles smaller than the
overlap, progress per tile, cancellation between tiles, CUDA OOM halving."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from enhance.engine import Cancelled, enhance_image
from enhance.engine.tiling import run_tiled, tile_grid
from tests.engine.helpers import psnr, random_image

pytestmark = pytest.mark.engine


def _nearest_x2(region):
    return region.repeat_interleave(2, dim=2).repeat_interleave(2, dim=3)


def test_tiler_is_exact_for_a_local_function():
    src = torch.randint(0, 255, (1, 3, 19, 23), dtype=torch.uint8)
    whole = run_tiled(_nearest_x2, src, scale=2, tile=0)
    for tile, overlap in ((5, 0), (4, 7), (7, 2), (100, 3)):
        assert torch.equal(run_tiled(_nearest_x2, src, scale=2, tile=tile, overlap=overlap), whole)


def test_tiler_context_and_alignment():
    context = 3
    src = torch.randint(0, 255, (1, 1, 17 + 2 * context, 13 + 2 * context), dtype=torch.uint8)

    def crop(region):  # a "valid" network: consumes `context` pixels per side
        return region[:, :, context:-context, context:-context].clone()

    whole = run_tiled(crop, src, scale=1, tile=0, context=context)
    assert torch.equal(whole, src[:, :, context:-context, context:-context])
    sizes = []

    def recording(region):
        sizes.append(tuple(region.shape[2:]))
        return crop(region)

    assert torch.equal(run_tiled(recording, src, scale=1, tile=5, context=context, align=4), whole)
    assert all((h - 2 * context) % 4 == 0 or h == 17 + 2 * context - 16 for h, _ in sizes)  # cores rounded up to 8


def test_progress_per_tile_and_cancel_between_tiles():
    src = torch.zeros((1, 3, 10, 10), dtype=torch.uint8)
    seen = []
    run_tiled(_nearest_x2, src, scale=2, tile=4, progress=lambda f, s: seen.append((f, s)), stage="x")
    assert len(seen) == len(tile_grid(10, 10, 4)) == 9
    assert [f for f, _ in seen] == sorted(f for f, _ in seen) and seen[-1] == (1.0, "x")

    calls = []

    def cancel_after_two():
        calls.append(1)
        return len(calls) > 2

    with pytest.raises(Cancelled):
        run_tiled(_nearest_x2, src, scale=2, tile=4, should_cancel=cancel_after_two)
    assert len(calls) == 3


def test_cuda_out_of_memory_halves_the_tile():
    src = torch.randint(0, 255, (1, 3, 64, 64), dtype=torch.uint8)
    sizes = []

    def picky(region):
        sizes.append(region.shape[-1])
        if region.shape[-1] > 32:
            raise torch.cuda.OutOfMemoryError("CUDA out of memory")
        return _nearest_x2(region)

    out = run_tiled(picky, src, scale=2, tile=64)
    assert torch.equal(out, _nearest_x2(src))
    assert sizes[0] == 64 and max(sizes[1:]) == 32


def test_out_of_memory_keeps_finished_tiles_and_progress_never_moves_back():
    src = torch.randint(0, 255, (1, 3, 64, 96), dtype=torch.uint8)
    calls, seen = [], []
    failed = [False]

    def fails_once_on_the_third_tile(region):
        calls.append(tuple(region.shape[2:]))
        if len(calls) == 3 and not failed[0]:
            failed[0] = True
            raise torch.cuda.OutOfMemoryError("CUDA out of memory")
        return _nearest_x2(region)

    out = run_tiled(
        fails_once_on_the_third_tile, src, scale=2, tile=32, progress=lambda f, s: seen.append(f), stage="x"
    )
    assert torch.equal(out, _nearest_x2(src))
    # 6 tiles of 32: two done, the third failed and was split into four of 16; the last three
    # tiles of 32 are split too. The first two were never redone.
    assert calls[:3] == [(32, 32)] * 3
    assert calls.count((32, 32)) == 3 and calls.count((16, 16)) == 4 * 4
    assert seen == sorted(seen) and seen[-1] == 1.0
    assert len(seen) == 2 + 16


def test_out_of_memory_tile_is_remembered_per_key():
    from enhance.engine.tiling import forget_learned_tiles, learned_tile

    forget_learned_tiles()
    src = torch.randint(0, 255, (1, 3, 64, 64), dtype=torch.uint8)
    sizes = []

    def picky(region):
        sizes.append(region.shape[-1])
        if region.shape[-1] > 16:
            raise torch.cuda.OutOfMemoryError("CUDA out of memory")
        return _nearest_x2(region)

    try:
        run_tiled(picky, src, scale=2, tile=64, memory_key="net@cuda:0/fp16")
        assert learned_tile("net@cuda:0/fp16") == 16
        sizes.clear()
        out = run_tiled(picky, src, scale=2, tile=64, memory_key="net@cuda:0/fp16")
        assert torch.equal(out, _nearest_x2(src))
        assert sizes == [16] * 16  # started at the remembered size: no failed attempt
        assert learned_tile("other@cuda:0/fp16") is None
    finally:
        forget_learned_tiles()


def test_out_of_memory_below_the_smallest_tile_propagates():
    src = torch.zeros((1, 3, 40, 40), dtype=torch.uint8)

    def never_fits(region):
        raise torch.cuda.OutOfMemoryError("CUDA out of memory")

    with pytest.raises(torch.cuda.OutOfMemoryError):
        run_tiled(never_fits, src, scale=1, tile=40)


def test_other_runtime_errors_are_not_treated_as_oom():
    src = torch.zeros((1, 3, 8, 8), dtype=torch.uint8)

    def broken(region):
        raise RuntimeError("something else")

    with pytest.raises(RuntimeError, match="something else"):
        run_tiled(broken, src, scale=1, tile=8)


@pytest.mark.parametrize(
    ("model", "options", "size", "tile"),
    [
        ("realsr", {}, (21, 17), 12),  # tile 12 < overlap 16
        ("waifu2x", {"style": "photo", "scale": 2, "noise": 1}, (37, 29), 6),
        ("waifu2x", {"style": "art", "scale": 2, "noise": -1}, (37, 29), 9),
        ("waifu2x", {"style": "art", "scale": 1, "noise": 2}, (41, 35), 10),
    ],
)
def test_tiled_matches_whole_image(engine, rng, model, options, size, tile):
    img = random_image(rng, *size)
    whole = np.asarray(enhance_image(img, model, options, precision="fp32", tile_size=0))
    tiled = np.asarray(enhance_image(img, model, options, precision="fp32", tile_size=tile))
    assert tiled.shape == whole.shape
    assert psnr(tiled, whole) >= 40

"""Tiled inference with bounded memory.

    run_tiled(fn, src, *, scale, tile, overlap=0, context=0, align=1, out=None,
              progress=None, should_cancel=None, stage="") -> Tensor

- src: NCHW tensor (any dtype, e.g. uint8) holding the image plus `context` pixels of
  padding on every side that the caller has already added (replicate padding for waifu2x,
  0 for networks that pad themselves). The logical image is src[..., c:-c, c:-c].
- fn(region) -> NCHW tensor of ((rh - 2*context) * scale, (rw - 2*context) * scale) where
  rh, rw are the region's height and width. Whatever dtype fn returns is copied into `out`
  (so fn converts to the output dtype itself, e.g. rounds to uint8).
- tile: core tile size in logical input pixels (rounded up to `align`); 0 or >= the image =
  one tile. overlap: extra real image content on each side of a core tile (clipped at the
  image edges), cut off after fn; use it for networks whose receptive field is wider
  than `context`. A tile smaller than the overlap is fine.
- out: preallocated (N, C_out, H*scale, W*scale) tensor; allocated from the first tile's
  dtype/channels when None. Peak memory is one tile's activations plus `out`.
- progress(fraction, stage) after each tile; should_cancel() before each tile (raises
  Cancelled). On torch.cuda.OutOfMemoryError (only that) the tile is halved and the
  remaining tiles are redone at the smaller size; below 16 px the error propagates.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from enhance.engine.errors import Cancelled

MIN_TILE = 16


def tile_grid(height: int, width: int, tile: int) -> list[tuple[int, int, int, int]]:
    """Core tiles (y0, y1, x0, x1) covering the image, row-major."""
    th = height if tile <= 0 else min(tile, height)
    tw = width if tile <= 0 else min(tile, width)
    return [(y, min(y + th, height), x, min(x + tw, width)) for y in range(0, height, th) for x in range(0, width, tw)]


def _round_up(value: int, multiple: int) -> int:
    return -(-value // multiple) * multiple


def run_tiled(
    fn: Callable[[torch.Tensor], torch.Tensor],
    src: torch.Tensor,
    *,
    scale: int,
    tile: int,
    overlap: int = 0,
    context: int = 0,
    align: int = 1,
    out: torch.Tensor | None = None,
    progress: Callable[[float, str], None] | None = None,
    should_cancel: Callable[[], bool] | None = None,
    stage: str = "",
) -> torch.Tensor:
    if src.dim() != 4:
        raise ValueError("run_tiled expects an NCHW tensor")
    height = src.shape[2] - 2 * context
    width = src.shape[3] - 2 * context
    if height <= 0 or width <= 0:
        raise ValueError("image is empty")
    tile = 0 if tile <= 0 or tile >= max(height, width) else _round_up(tile, align)
    while True:
        try:
            return _run_grid(fn, src, scale, tile, overlap, context, out, progress, should_cancel, stage)
        except torch.cuda.OutOfMemoryError:
            current = tile if tile > 0 else max(height, width)
            if current // 2 < MIN_TILE:
                raise
            tile = _round_up(current // 2, align)
            if src.is_cuda:
                torch.cuda.empty_cache()


def _run_grid(fn, src, scale, tile, overlap, context, out, progress, should_cancel, stage):
    height = src.shape[2] - 2 * context
    width = src.shape[3] - 2 * context
    grid = tile_grid(height, width, tile)
    for index, (y0, y1, x0, x1) in enumerate(grid):
        if should_cancel is not None and should_cancel():
            raise Cancelled("cancelled")
        ry0, ry1 = max(y0 - overlap, 0), min(y1 + overlap, height)
        rx0, rx1 = max(x0 - overlap, 0), min(x1 + overlap, width)
        # logical [ry0, ry1) maps to src [ry0, ry1 + 2*context) because src is offset by context
        region = src[:, :, ry0 : ry1 + 2 * context, rx0 : rx1 + 2 * context]
        result = fn(region)
        expected = ((ry1 - ry0) * scale, (rx1 - rx0) * scale)
        if tuple(result.shape[2:]) != expected:
            raise RuntimeError(f"tile function returned {tuple(result.shape[2:])}, expected {expected}")
        if out is None:
            out = torch.empty(
                (src.shape[0], result.shape[1], height * scale, width * scale), dtype=result.dtype, device=result.device
            )
        core = result[:, :, (y0 - ry0) * scale : (y1 - ry0) * scale, (x0 - rx0) * scale : (x1 - rx0) * scale]
        out[:, :, y0 * scale : y1 * scale, x0 * scale : x1 * scale].copy_(core)
        del result, core
        if progress is not None:
            progress((index + 1) / len(grid), stage)
    return out

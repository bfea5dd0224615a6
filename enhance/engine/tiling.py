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
  Cancelled). On torch.cuda.OutOfMemoryError (only that) the failed tile is split at half
  the tile size and the tiles not yet done continue at that size: finished tiles are kept and
  progress (the finished share of the image's area) never moves backwards. Below 16 px the
  error propagates. With `memory_key` (model, device, precision) the smaller tile is remembered
  for the rest of the process, so the next job starts at a size that fits.
- downscale: for a strided layer whose output is 1/downscale of its input (BOPB's stride-2
  convolutions): fn returns (rh - 2*context) // downscale * scale rows; tiles start at multiples
  of downscale (it joins `align`), and the image's sides must be multiples of it.
- positioned: fn(region, rect) also receives rect = (ry0, ry1, rx0, rx1), the region's logical
  bounds without context, for a fn that reads other tensors at the same place or treats the
  image's edges differently (BOPB's layer-by-layer execution, pipelines/bopb_streamed.py).
"""

from __future__ import annotations

import gc
import threading
from collections import deque
from collections.abc import Callable

import torch

from enhance.engine.errors import Cancelled

MIN_TILE = 16

# memory_key -> the largest tile known to fit in this process (learned from an OOM).
_LEARNED_TILES: dict[str, int] = {}
_LEARNED_LOCK = threading.Lock()


def learned_tile(memory_key: str) -> int | None:
    with _LEARNED_LOCK:
        return _LEARNED_TILES.get(memory_key)


def remember_tile(memory_key: str, tile: int) -> None:
    with _LEARNED_LOCK:
        known = _LEARNED_TILES.get(memory_key)
        _LEARNED_TILES[memory_key] = tile if known is None else min(known, tile)


def forget_learned_tiles() -> None:
    with _LEARNED_LOCK:
        _LEARNED_TILES.clear()


def tile_grid(height: int, width: int, tile: int) -> list[tuple[int, int, int, int]]:
    """Core tiles (y0, y1, x0, x1) covering the image, row-major."""
    th = height if tile <= 0 else min(tile, height)
    tw = width if tile <= 0 else min(tile, width)
    return [(y, min(y + th, height), x, min(x + tw, width)) for y in range(0, height, th) for x in range(0, width, tw)]


def _split(rect: tuple[int, int, int, int], tile: int) -> list[tuple[int, int, int, int]]:
    y0, y1, x0, x1 = rect
    return [(y0 + a, y0 + b, x0 + c, x0 + d) for a, b, c, d in tile_grid(y1 - y0, x1 - x0, tile)]


def _round_up(value: int, multiple: int) -> int:
    return -(-value // multiple) * multiple


def _free_failed_tile(device: torch.device) -> None:
    """Called after the except block has ended, when the failed tile's activations (held by the
    exception's traceback frames until then) can be collected."""
    gc.collect()
    if device.type == "cuda":
        torch.cuda.empty_cache()


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
    memory_key: str | None = None,
    device: torch.device | None = None,
    downscale: int = 1,
    positioned: bool = False,
) -> torch.Tensor:
    """See the module docstring. `device` is where fn computes (for freeing memory after an OOM;
    src's device when None)."""
    if src.dim() != 4:
        raise ValueError("run_tiled expects an NCHW tensor")
    height = src.shape[2] - 2 * context
    width = src.shape[3] - 2 * context
    if height <= 0 or width <= 0:
        raise ValueError("image is empty")
    if downscale < 1 or height % downscale or width % downscale:
        raise ValueError(f"a {height} x {width} image cannot be reduced {downscale} times")
    align = align * downscale // _gcd(align, downscale)
    compute_device = device if device is not None else src.device
    if memory_key is not None:
        known = learned_tile(memory_key)
        if known is not None and (tile <= 0 or tile > known):
            tile = known
    tile = 0 if tile <= 0 or tile >= max(height, width) else _round_up(tile, align)
    pending = deque(tile_grid(height, width, tile))
    total_area = height * width
    done_area = 0
    while pending:
        if should_cancel is not None and should_cancel():
            raise Cancelled("cancelled")
        rect = pending.popleft()
        y0, y1, x0, x1 = rect
        if tile > 0 and max(y1 - y0, x1 - x0) > tile:  # queued before the tile shrank
            pending.extendleft(reversed(_split(rect, tile)))
            continue
        out_of_memory = False
        try:
            out = _run_tile(fn, src, rect, scale, overlap, context, out, downscale, positioned)
        except torch.cuda.OutOfMemoryError:
            current = tile if tile > 0 else max(height, width)
            if current // 2 < MIN_TILE:
                raise
            out_of_memory = True
        if out_of_memory:
            tile = _round_up(current // 2, align)
            if memory_key is not None:
                remember_tile(memory_key, tile)
            pending.extendleft(reversed(_split(rect, tile)))
            _free_failed_tile(compute_device)
            continue
        done_area += (y1 - y0) * (x1 - x0)
        if progress is not None:
            progress(done_area / total_area, stage)
    return out


def _gcd(a: int, b: int) -> int:
    while b:
        a, b = b, a % b
    return a


def _run_tile(fn, src, rect, scale, overlap, context, out, downscale=1, positioned=False):
    height = src.shape[2] - 2 * context
    width = src.shape[3] - 2 * context
    y0, y1, x0, x1 = rect
    overlap = _round_up(overlap, downscale)
    ry0, ry1 = max(y0 - overlap, 0), min(y1 + overlap, height)
    rx0, rx1 = max(x0 - overlap, 0), min(x1 + overlap, width)
    # logical [ry0, ry1) maps to src [ry0, ry1 + 2*context) because src is offset by context
    region = src[:, :, ry0 : ry1 + 2 * context, rx0 : rx1 + 2 * context]
    result = fn(region, (ry0, ry1, rx0, rx1)) if positioned else fn(region)
    if downscale > 1:  # in output pixels from here on
        height, width = height // downscale, width // downscale
        y0, y1, x0, x1 = y0 // downscale, y1 // downscale, x0 // downscale, x1 // downscale
        ry0, ry1, rx0, rx1 = ry0 // downscale, ry1 // downscale, rx0 // downscale, rx1 // downscale
    expected = ((ry1 - ry0) * scale, (rx1 - rx0) * scale)
    if tuple(result.shape[2:]) != expected:
        raise RuntimeError(f"tile function returned {tuple(result.shape[2:])}, expected {expected}")
    if out is None:
        out = torch.empty(
            (src.shape[0], result.shape[1], height * scale, width * scale), dtype=result.dtype, device=result.device
        )
    core = result[:, :, (y0 - ry0) * scale : (y1 - ry0) * scale, (x0 - rx0) * scale : (x1 - rx0) * scale]
    out[:, :, y0 * scale : y1 * scale, x0 * scale : x1 * scale].copy_(core)
    return out

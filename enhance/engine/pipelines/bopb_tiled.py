"""BOPB stage 1 in bounded device memory: when to tile, and the tiled forms of both branches.

- The CPU runs the whole image by default (host memory is the limit there, and the whole-image
  path is the official computation); a positive `tile_size` forces tiling anywhere (tests).
- On CUDA the tile (image pixels) comes from the device's free memory: a photo whose longer side
  fits in it runs whole, a larger one layer by layer over tiles (bopb_streamed.py), which gives
  the same result. An out-of-memory error on the whole image falls back to tiles of half its
  side; one in a tiled pass halves that pass's tile (tiling.run_tiled). Both are remembered for
  the model, device and precision for the rest of the process.
- The scratch branch's attention stays global (its size is bounded by the per-device pixel cap);
  the convolutional layers around it are tiled. A job that does not fit even so fails with a
  sentence from the catalogue (errors.DeviceMemoryError).
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from typing import TypeVar

import torch

from enhance.engine.catalog import bopb as catalog_bopb
from enhance.engine.context import RunContext
from enhance.engine.errors import DeviceMemoryError
from enhance.engine.pipelines.bopb_streamed import Activation, Streamer, Term, count_passes, default_tile
from enhance.engine.tiling import MIN_TILE, learned_tile, remember_tile

# Device memory a tiled pass needs per image pixel of tile area, at its widest (64 channels at
# full resolution: the tile's input, its normalised copy in fp32, the output and the fp32
# statistics' temporaries), with room for the convolution's workspace.
TILE_BYTES_PER_PIXEL = 1536
# The share of the free device memory the tiles may take (the rest: networks' caches, the
# allocator's fragmentation, other processes' growth on a shared GPU).
FREE_SHARE = 0.5
# The smallest tile in image pixels: a pass at 1/4 resolution still gets MIN_TILE pixels.
MIN_IMAGE_TILE = 4 * MIN_TILE

T = TypeVar("T")


def memory_key(ctx: RunContext) -> str:
    return f"bopb@{ctx.device}/{ctx.precision}"


def free_device_bytes(device: torch.device) -> int:
    free, _ = torch.cuda.mem_get_info(device)
    cached = torch.cuda.memory_reserved(device) - torch.cuda.memory_allocated(device)
    return int(free + cached)


def choose_tile(ctx: RunContext, height: int, width: int, free_bytes: int | None = None) -> int:
    """The tile (image pixels) this job runs with; 0: the whole image."""
    if ctx.tile_size is not None:
        tile = ctx.tile_size
    elif ctx.device.type == "cuda":
        free = free_device_bytes(ctx.device) if free_bytes is None else free_bytes
        tile = default_tile(int(free * FREE_SHARE), TILE_BYTES_PER_PIXEL)
    else:
        tile = 0
    known = learned_tile(memory_key(ctx))
    if known is not None and (tile == 0 or known < tile):
        tile = known
    if tile == 0 or max(height, width) <= tile:
        return 0
    return max(tile, MIN_IMAGE_TILE)


def release(device: torch.device) -> None:
    gc.collect()
    if device.type == "cuda":
        torch.cuda.empty_cache()


def whole_or_tiled(ctx: RunContext, height: int, width: int, whole: Callable[[], T], tiled: Callable[[int], T]) -> T:
    """whole() when the photo fits, else (or after it ran out of device memory) tiled(tile)."""
    tile = choose_tile(ctx, height, width)
    if tile == 0:
        out_of_memory = False
        try:
            return whole()
        except torch.cuda.OutOfMemoryError:
            if max(height, width) // 2 < MIN_IMAGE_TILE:
                raise
            out_of_memory = True
        if out_of_memory:  # outside the except block, so the failed pass's tensors can be freed
            tile = max(height, width) // 2
            remember_tile(memory_key(ctx), tile)
            release(ctx.device)
    return tiled(tile)


def _streamer(ctx: RunContext, tile: int, passes: int, start: float, end: float, stages) -> Streamer:
    """stages: ((first pass index, stage name), ...) for the progress reports."""

    def progress(done: int, fraction: float) -> None:
        stage = [name for first, name in stages if first <= done][-1]
        ctx.report(start + (end - start) * min(done + fraction, passes) / passes, stage)

    return Streamer(
        device=ctx.device, tile=tile, memory_key=memory_key(ctx), progress=progress, should_cancel=ctx.should_cancel
    )


def restore_quality(encoder, mapping, decoder, image: torch.Tensor, ctx: RunContext, tile: int) -> torch.Tensor:
    """image: host (1, 3, H, W) in [-1, 1] in the networks' dtype -> host output before stretching."""
    encode, restore = count_passes(encoder.encoder), count_passes(mapping.model)
    passes = encode + restore + count_passes(decoder.decoder) + 1
    stages = ((0, "bopb: encoding"), (encode, "bopb: restoring"), (encode + restore, "bopb: decoding"))
    streamer = _streamer(ctx, tile, passes, 0.05, 0.98, stages)
    act = streamer.run(list(encoder.encoder), streamer.image(image))
    act = streamer.run(list(mapping.model), act)
    act = streamer.run(list(decoder.decoder), act)
    return streamer.settle(act).terms[0].data


def restore_scratched(
    encoder,
    mapping,
    decoder,
    image: torch.Tensor,
    mask: torch.Tensor,
    hr: bool,
    ctx: RunContext,
    tile: int,
    on_chunk=None,
) -> torch.Tensor:
    """image: host whitened photo in [-1, 1]; mask: (1, 1, H, W) on the device, 1 on scratches."""
    encode = count_passes(encoder.encoder)
    passes = encode + count_passes(list(mapping.children())) + count_passes(decoder.decoder) + 4
    stages = ((0, "bopb: encoding"), (encode, "bopb: repairing scratches"))
    streamer = _streamer(ctx, tile, passes, 0.1, 0.98, stages)
    act = streamer.run(list(encoder.encoder), streamer.image(image))
    try:
        if hr:
            act = _patch_attention_mapping(streamer, mapping, act, mask, on_chunk)
        else:
            act = streamer.run(list(mapping.before_NL), act)
            act = _nonlocal(streamer, mapping.NL, act, mask, on_chunk)
            act = streamer.run(list(mapping.after_NL), act)
    except _AttentionOutOfMemory:
        pixels = image.shape[2] * image.shape[3]
        raise DeviceMemoryError(catalog_bopb.SCRATCHES_TOO_LARGE_FOR_DEVICE, {"size": f"{pixels / 1e6:.1f}"}) from None
    ctx.report(0.9, "bopb: decoding")
    act = streamer.run(list(decoder.decoder), act)
    return streamer.settle(act).terms[0].data


class _AttentionOutOfMemory(Exception):
    pass


def _global(fn: Callable[[], T], device: torch.device) -> T:
    """Runs a global (untileable) part; out of device memory there, the job cannot run here."""
    failed = False
    try:
        return fn()
    except torch.cuda.OutOfMemoryError:
        failed = True
    if failed:
        release(device)
        raise _AttentionOutOfMemory


def _nonlocal(streamer: Streamer, block, act: Activation, mask: torch.Tensor, on_chunk) -> Activation:
    """The masked non-local block (archs/bopb/nonlocal_block.py): its attention and 1x1
    convolutions on the whole latent, its residual blocks and the final blend tiled."""
    x_stored = streamer.settle(act)

    def attend():
        weighted, valid = block.attend(streamer.to_device(x_stored), mask, on_chunk)
        return weighted.cpu(), valid.cpu()

    weighted, valid = _global(attend, streamer.device)
    rebuilt = streamer.run(list(block.res_block), Activation([Term(weighted)], act.factor))
    valid_act = Activation([Term(valid.to(weighted.dtype))], act.factor)
    return streamer.combine([x_stored, rebuilt, valid_act], lambda v: v[2] * v[0] + (1 - v[2]) * v[1])


def _patch_attention(streamer: Streamer, module, z_act: Activation, mask: torch.Tensor, on_chunk) -> Activation:
    """One PatchAttention (archs/bopb/patch_attention.py): residual block tiled, the patch search
    on the whole latent, the fusing convolution tiled."""
    z_stored = streamer.settle(z_act)
    x_stored = streamer.settle(streamer.run(list(module.res_block), z_stored))

    def compose():
        composed, holes = module.compose(streamer.to_device(x_stored), mask, on_chunk)
        return composed.cpu(), holes.cpu()

    composed, holes = _global(compose, streamer.device)
    z = z_stored.terms[0].data
    fused = torch.cat((z, composed.to(z.dtype), holes.to(z.dtype)), dim=1)
    del composed, holes
    return streamer.run([module.F_Combine], Activation([Term(fused)], z_act.factor))


def _patch_attention_mapping(streamer: Streamer, mapping, act: Activation, mask, on_chunk) -> Activation:
    def scale_progress(index: int):
        if on_chunk is None:
            return None
        return lambda done, total: on_chunk(index * total + done, 3 * total)

    act = streamer.run(list(mapping.before_NL), act)
    act = _patch_attention(streamer, mapping.NL_scale_1, act, mask, scale_progress(0))
    act = streamer.run(list(mapping.res_block_1), act)
    act = _patch_attention(streamer, mapping.NL_scale_2, act, mask, scale_progress(1))
    act = streamer.run(list(mapping.res_block_2), act)
    act = _patch_attention(streamer, mapping.NL_scale_3, act, mask, scale_progress(2))
    return streamer.run(list(mapping.after_NL), act)

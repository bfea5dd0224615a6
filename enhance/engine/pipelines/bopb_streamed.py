"""BOPB stage-1 networks run layer by layer, each layer over tiles: bounded device memory, and
the same result as the whole image.

Almost every convolution in these networks is followed by an instance norm, whose statistics are
taken over the whole image; tiles that normalised themselves would each get their own statistics
and show seams. So the networks are not tiled as a whole: every convolution is one tiled pass
(enhance.engine.tiling.run_tiled) over the full activation kept in host memory, with exactly the
layer's own receptive field as context (real neighbours inside the image, the layer's reflection
or zero padding at its edges, so no overlap is needed and nothing is approximated). While a pass
writes its output it accumulates the per-channel mean and variance tile by tile (merged exactly);
the normalisation, and the ReLU after it, are applied to each tile as the next pass reads it.
A residual block's sum is settled the same way. On the compute device a pass holds one tile's
input, output and working memory: the device's footprint depends on the tile, not the photo.

What stays whole: the scratch detector (it sees the photo at a short side of 256, so its size is
bounded by the aspect-ratio limit) and the scratch branch's attention (global by design: its
device memory is bounded by the per-device pixel cap, catalog/bopb.py gpu_scratch_pixels).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from torch import nn

from enhance.engine.archs.bopb.blocks import ResnetBlock
from enhance.engine.errors import Cancelled
from enhance.engine.tiling import learned_tile, remember_tile, run_tiled

Elementwise = Callable[[torch.Tensor], torch.Tensor]


@dataclass
class Term:
    """One stored tensor (host) and the elementwise operations still to apply to it."""

    data: torch.Tensor
    ops: list[Elementwise] = field(default_factory=list)
    stats: tuple[torch.Tensor, torch.Tensor] | None = None  # per-channel mean, biased variance (float64)

    def apply(self, x: torch.Tensor) -> torch.Tensor:
        for op in self.ops:
            x = op(x)
        return x


@dataclass
class Activation:
    """A layer's output at `factor` (image pixels per activation pixel): the sum of its terms."""

    terms: list[Term]
    factor: int

    @property
    def shape(self) -> torch.Size:
        return self.terms[0].data.shape


class _Stats:
    """Per-channel mean and biased variance of a pass's output, merged tile by tile (Chan et al.)."""

    def __init__(self):
        self.count = 0
        self.mean: torch.Tensor | None = None
        self.m2: torch.Tensor | None = None

    def add(self, y: torch.Tensor) -> None:
        y = y.float()
        n = y.shape[0] * y.shape[2] * y.shape[3]
        mean = y.mean(dim=(0, 2, 3))
        m2 = (y - mean.view(1, -1, 1, 1)).square().sum(dim=(0, 2, 3))
        mean, m2 = mean.double().cpu(), m2.double().cpu()
        if self.mean is None:
            self.count, self.mean, self.m2 = n, mean, m2
            return
        total = self.count + n
        delta = mean - self.mean
        self.mean = self.mean + delta * (n / total)
        self.m2 = self.m2 + m2 + delta.square() * (self.count * n / total)
        self.count = total

    def result(self) -> tuple[torch.Tensor, torch.Tensor]:
        return self.mean, self.m2 / self.count


def _normaliser(mean: torch.Tensor, var: torch.Tensor, eps: float) -> Elementwise:
    shift = mean.float()
    scale = torch.rsqrt(var + eps).float()

    def normalise(x: torch.Tensor) -> torch.Tensor:
        # in fp32 whatever the precision, as PyTorch's instance norm does for fp16/bf16 input
        s, k = shift.to(x.device).view(1, -1, 1, 1), scale.to(x.device).view(1, -1, 1, 1)
        return ((x.float() - s) * k).to(x.dtype)

    return normalise


_ELEMENTWISE = {nn.ReLU: torch.relu, nn.Tanh: torch.tanh}


def count_passes(modules: Sequence[nn.Module]) -> int:
    """Tiled passes a layer list takes: one per convolution, one per residual sum."""
    total = 0
    for module in modules:
        if isinstance(module, nn.Conv2d | nn.ConvTranspose2d):
            total += 1
        elif isinstance(module, ResnetBlock):
            total += 1 + count_passes(module.conv_block)
        elif isinstance(module, nn.Sequential):
            total += count_passes(list(module))
    return total


class Streamer:
    """Runs layer lists over tiles. `tile` is in image pixels (a pass at 1/4 resolution takes
    tiles of tile / 4); `memory_key` remembers, per model, device and precision, a tile that an
    out-of-memory error halved, in image pixels, so later passes and jobs start from it."""

    def __init__(
        self,
        *,
        device: torch.device,
        tile: int,
        memory_key: str,
        progress: Callable[[int, float], None] | None = None,
        should_cancel: Callable[[], bool] | None = None,
    ):
        self.device = device
        known = learned_tile(memory_key)
        self.tile = tile if known is None else min(tile, known)
        self.memory_key = memory_key
        self.progress = progress
        self.should_cancel = should_cancel
        self.passes_done = 0

    # -- entry points -------------------------------------------------------------------------

    def image(self, x: torch.Tensor) -> Activation:
        """A host NCHW tensor at full resolution as an activation."""
        return Activation([Term(x)], 1)

    def run(self, modules: Sequence[nn.Module], act: Activation) -> Activation:
        pending_reflect = 0
        for module in modules:
            if isinstance(module, nn.ReflectionPad2d):
                pad = module.padding
                if len(set(pad)) != 1:
                    raise NotImplementedError("uneven reflection padding")
                pending_reflect += pad[0]
            elif isinstance(module, nn.Conv2d | nn.ConvTranspose2d):
                act = self._convolve(module, act, pending_reflect)
                pending_reflect = 0
            elif pending_reflect:
                raise NotImplementedError(f"reflection padding before {type(module).__name__}")
            elif isinstance(module, nn.InstanceNorm2d):
                act = self._instance_norm(module, act)
            elif type(module) in _ELEMENTWISE:
                act = self._then(act, _ELEMENTWISE[type(module)])
            elif isinstance(module, ResnetBlock):
                act = self.settle(act)
                inner = self.run(list(module.conv_block), act)
                act = Activation(act.terms + inner.terms, act.factor)
            elif isinstance(module, nn.Sequential):
                act = self.run(list(module), act)
            else:
                raise NotImplementedError(f"no tiled form for {type(module).__name__}")
        return act

    def settle(self, act: Activation) -> Activation:
        """The activation as one stored tensor with nothing left to apply (one pass when needed)."""
        if len(act.terms) == 1 and not act.terms[0].ops:
            return act
        return self.combine([act], lambda values: values[0])

    def combine(self, acts: Sequence[Activation], fn: Callable[[list[torch.Tensor]], torch.Tensor]) -> Activation:
        """Settled elementwise combination of same-size activations: fn(values) per tile."""
        first = acts[0]
        out = torch.empty(first.shape, dtype=first.terms[0].data.dtype)

        def tile_fn(region, rect):
            values = [self._value(act, rect, 0) for act in acts]
            return fn(values).to(out.dtype)

        self._pass(tile_fn, first.terms[0].data, first.factor, context=0, out=out)
        return Activation([Term(out)], first.factor)

    def to_device(self, act: Activation) -> torch.Tensor:
        """The whole activation on the compute device (for the global attention)."""
        value = torch.zeros(act.shape, dtype=act.terms[0].data.dtype, device=self.device)
        for term in act.terms:
            value += term.apply(term.data.to(self.device))
        return value

    # -- layers -------------------------------------------------------------------------------

    def _then(self, act: Activation, op: Elementwise) -> Activation:
        if len(act.terms) != 1:
            act = self.settle(act)
        term = act.terms[0]
        return Activation([Term(term.data, term.ops + [op], term.stats)], act.factor)

    def _instance_norm(self, module: nn.InstanceNorm2d, act: Activation) -> Activation:
        term = act.terms[0]
        if len(act.terms) != 1 or term.ops or term.stats is None or module.affine:
            raise NotImplementedError("instance norm must follow a convolution directly")
        mean, var = term.stats
        return Activation([Term(term.data, [_normaliser(mean, var, module.eps)])], act.factor)

    def _convolve(self, conv: nn.Conv2d | nn.ConvTranspose2d, act: Activation, reflect: int) -> Activation:
        transposed = isinstance(conv, nn.ConvTranspose2d)
        (k, _), (s, _), (p, _) = conv.kernel_size, conv.stride, conv.padding
        dilation = conv.dilation[0]
        if reflect and p:
            raise NotImplementedError("reflection padding before a zero-padded convolution")
        batch, _, height, width = act.shape
        if transposed:
            # the image's edges are zeros for a transposed convolution; `context` input pixels
            # on each side give every output pixel all the inputs it has in the whole image
            context, zero_ring = -(-k // s), -(-k // s)
            if k + conv.output_padding[0] - s - 2 * p != 0:
                raise NotImplementedError("transposed convolution that does not scale exactly")
            out_shape, scale, downscale, factor = (height * s, width * s), s, 1, act.factor // s
        else:
            context = reflect + p
            zero_ring = p
            probe = 4 * s  # a side the tiles may have: the output must be exactly probe / s
            if (probe + 2 * context - dilation * (k - 1) - 1) // s + 1 != probe // s:
                raise NotImplementedError("convolution that does not keep or reduce the size exactly")
            out_shape, scale, downscale, factor = (height // s, width // s), 1, s, act.factor * s
        weight, bias = conv.weight, conv.bias
        out = torch.empty((batch, conv.out_channels, *out_shape), dtype=weight.dtype)
        stats = _Stats()
        padded = [self._pad(term.data, context, reflect=bool(reflect)) for term in act.terms]

        def tile_fn(region, rect):
            x = self._value(act, rect, context, padded, zero_ring).to(weight.dtype)
            if transposed:
                y = F.conv_transpose2d(x, weight, bias, stride=s, padding=p, output_padding=conv.output_padding)
                crop = s * context
                y = y[:, :, crop : y.shape[2] - crop, crop : y.shape[3] - crop]
            else:
                y = F.conv2d(x, weight, bias, stride=s, padding=0, dilation=dilation)
            del x
            stats.add(y)
            return y

        self._pass(tile_fn, padded[0], act.factor, context=context, out=out, scale=scale, downscale=downscale)
        return Activation([Term(out, stats=stats.result())], factor)

    # -- plumbing -----------------------------------------------------------------------------

    @staticmethod
    def _pad(data: torch.Tensor, context: int, *, reflect: bool) -> torch.Tensor:
        if context == 0:
            return data
        if not reflect:
            return F.pad(data, (context, context, context, context))
        rows = _reflect_index(data.shape[2], context)
        cols = _reflect_index(data.shape[3], context)
        return data.index_select(2, rows).index_select(3, cols)

    def _value(self, act, rect, context, padded=None, zero_ring=0) -> torch.Tensor:
        """The activation's value over a tile's region (`context` pixels around rect), on the device."""
        y0, y1, x0, x1 = rect
        value = None
        for i, term in enumerate(act.terms):
            source = term.data if padded is None else padded[i]
            part = source[:, :, y0 : y1 + 2 * context, x0 : x1 + 2 * context]
            part = term.apply(part.to(self.device, non_blocking=True))
            value = part if value is None else value + part
        if zero_ring:
            # zero padding is zero after the normalisation too: clear the ring at the image's edges
            height, width = act.shape[2], act.shape[3]
            if y0 == 0:
                value[:, :, :zero_ring] = 0
            if y1 == height:
                value[:, :, value.shape[2] - zero_ring :] = 0
            if x0 == 0:
                value[:, :, :, :zero_ring] = 0
            if x1 == width:
                value[:, :, :, value.shape[3] - zero_ring :] = 0
        return value

    def _pass(self, tile_fn, src, factor, *, context, out, scale=1, downscale=1) -> None:
        if self.should_cancel is not None and self.should_cancel():
            raise Cancelled("cancelled")
        step_key = f"{self.memory_key}/1:{factor}"
        step_tile = max(1, self.tile // factor) if self.tile > 0 else 0
        run_tiled(
            tile_fn,
            src,
            scale=scale,
            tile=step_tile,
            context=context,
            out=out,
            progress=self._report,
            should_cancel=self.should_cancel,
            memory_key=step_key,
            device=self.device,
            downscale=downscale,
            positioned=True,
        )
        learned = learned_tile(step_key)
        if learned is not None and (self.tile <= 0 or learned * factor < self.tile):
            self.tile = learned * factor
            remember_tile(self.memory_key, self.tile)
        self.passes_done += 1

    def _report(self, fraction: float, stage: str) -> None:
        if self.progress is not None:
            self.progress(self.passes_done, fraction)


def _reflect_index(size: int, pad: int) -> torch.Tensor:
    """Indices of a reflection pad (edge not repeated), as nn.ReflectionPad2d."""
    if size == 1:
        return torch.zeros(size + 2 * pad, dtype=torch.long)
    index = torch.arange(-pad, size + pad).abs()
    period = 2 * (size - 1)
    index = index % period
    return torch.where(index >= size, period - index, index)


def default_tile(free_bytes: int, bytes_per_pixel: int) -> int:
    """The largest square tile (image pixels, a multiple of 16) whose passes fit `free_bytes`."""
    side = int(math.sqrt(max(free_bytes, 0) / bytes_per_pixel))
    return max(64, side // 16 * 16)

"""Winograd F(4x4, 3x3) convolution module for bf16 on CPUs with AVX-512 BF16 and VNNI.
See winograd_f43.c for why and how; accelerate.py swaps it into a network.

The module keeps the original Conv2d and falls back to it for any input the kernel does
not take (not bf16, not on the CPU, channels not innermost), so swapping is always safe."""

from __future__ import annotations

import ctypes
import math

import torch
import torch.nn.functional as F
from torch import nn

from enhance.engine.kernels.build import WinoArgs, kernel_library

# G of F(4x4, 3x3) (points 0, 1, -1, 2, -2, infinity): U = G g G^T turns a 3x3 kernel into
# its 6x6 Winograd form.
_G = torch.tensor(
    [[1 / 4, 0, 0], [-1 / 6, -1 / 6, -1 / 6], [-1 / 6, 1 / 6, -1 / 6],
     [1 / 24, 1 / 12, 1 / 6], [1 / 24, -1 / 12, 1 / 6], [0, 0, 1]],
    dtype=torch.float64,
)  # fmt: skip
_POSITIONS = 36
# Scratch per thread: the quantized input of one block of tiles stays within about 800 KB (L2).
_SCRATCH_BYTES = 800_000
_BLOCK_MULTIPLE = 24
_MAX_BITS = 14


def quantization_bits(cin: int) -> tuple[int, int]:
    """Magnitude bits (input rows, weight columns) such that a sum of cin int16 products
    can never leave int32: cin * 2^(a+b) <= 2^31."""
    budget = 31 - math.ceil(math.log2(cin))
    weight_bits = min(_MAX_BITS, budget // 2)
    return min(_MAX_BITS, budget - weight_bits), weight_bits


def output_chunk(cout: int) -> int:
    """Output channels per microkernel call (as in winograd_f43.c)."""
    return min(64, cout)


def pack_weights(weight: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(cout, cin, 3, 3) -> (int16 [36][cout/chunk][cin/2][chunk][2], the layout vpdpwssd
    reads, and fp32 scales [36][cout]): U = G g G^T, each (position, output channel) column
    quantized to +-(2^b - 1) with its own scale. Each microkernel's slice of U is contiguous:
    with rows a whole cout apart, cout = 256 mapped them onto a quarter of the L1 sets."""
    cout, cin = weight.shape[:2]
    u = torch.einsum("ai,ocij,bj->abco", _G, weight.detach().double().cpu(), _G).reshape(_POSITIONS, cin, cout)
    top = 2 ** quantization_bits(cin)[1] - 1
    scale = u.abs().amax(dim=1, keepdim=True) / top
    scale = torch.where(scale > 0, scale, torch.ones_like(scale))  # an all-zero column stays zero
    q = torch.round(u / scale).to(torch.int16)
    chunk = output_chunk(cout)
    q = q.reshape(_POSITIONS, cin // 2, 2, cout // chunk, chunk).permute(0, 3, 1, 4, 2).contiguous()
    return q, scale.reshape(_POSITIONS, cout).float().contiguous()


def block_tiles(cin: int) -> int:
    fit = _SCRATCH_BYTES // (_POSITIONS * 2 * cin)
    return max(_BLOCK_MULTIPLE, min(96, fit // _BLOCK_MULTIPLE * _BLOCK_MULTIPLE))


def kernel_channels(cout: int) -> int | None:
    """Output channels the kernel computes for a layer with cout: chunks of 64, or 16 or 32;
    fewer than 16 (an RGB output layer) are padded up to 16 with zero weights and only the
    real ones stored. None where the layer does not fit."""
    if cout % 64 == 0 or cout in (16, 32):
        return cout
    return 16 if 0 < cout < 16 else None


def supports(conv: nn.Module) -> bool:
    return (
        type(conv) is nn.Conv2d
        and conv.kernel_size == (3, 3)
        and conv.stride == (1, 1)
        and conv.dilation == (1, 1)
        and conv.groups == 1
        and conv.padding in ((0, 0), (1, 1))
        and conv.padding_mode == "zeros"
        and conv.in_channels % 16 == 0
        and kernel_channels(conv.out_channels) is not None
        and conv.weight.dtype == torch.bfloat16
        and conv.weight.device.type == "cpu"
    )


def _channels_innermost(t: torch.Tensor) -> bool:
    return t.dim() == 4 and t.stride(1) == 1


class WinogradConv3x3(nn.Module):
    """A 3x3 stride-1 Conv2d, optionally followed by LeakyReLU(slope), on the Winograd kernel."""

    def __init__(self, conv: nn.Conv2d, slope: float = 1.0):
        super().__init__()
        self.conv = conv
        self.slope = float(slope)
        self.pad = conv.padding[0]
        self.computed_channels = kernel_channels(conv.out_channels)
        missing = self.computed_channels - conv.out_channels
        weight = F.pad(conv.weight.detach().float(), (0, 0, 0, 0, 0, 0, 0, missing))
        packed, scales = pack_weights(weight)
        self.register_buffer("packed", packed, persistent=False)
        self.register_buffer("scales", scales, persistent=False)
        self.input_bits = quantization_bits(conv.in_channels)[0]
        bias = conv.bias.detach().float() if conv.bias is not None else torch.zeros(conv.out_channels)
        self.register_buffer("bias32", F.pad(bias, (0, missing)).contiguous(), persistent=False)
        self.block_tiles = block_tiles(conv.in_channels)

    @property
    def weight(self) -> torch.Tensor:
        return self.conv.weight

    def output_shape(self, x: torch.Tensor) -> tuple[int, int, int, int]:
        n, _, h, w = x.shape
        return n, self.conv.out_channels, h + 2 * self.pad - 2, w + 2 * self.pad - 2

    def can_run(self, x: torch.Tensor) -> bool:
        return (
            x.dtype == torch.bfloat16
            and x.device.type == "cpu"
            and kernel_library() is not None
            and _channels_innermost(x)
            and x.shape[1] == self.conv.in_channels
            and min(self.output_shape(x)[2:]) > 0
        )

    def forward(self, x: torch.Tensor, slope: float | None = None) -> torch.Tensor:
        if not self.can_run(x):
            return self._reference(x, slope)
        out = torch.empty(self.output_shape(x), dtype=x.dtype, memory_format=torch.channels_last)
        self._launch(x, out, slope)
        return out

    def forward_into(self, x: torch.Tensor, out: torch.Tensor, slope: float | None = None) -> None:
        """Write the result into `out` (for example a channel slice of a wider buffer)."""
        if self.can_run(x) and _channels_innermost(out) and out.dtype == torch.bfloat16:
            self._launch(x, out, slope)
        else:
            out.copy_(self._reference(x, slope))

    def _reference(self, x: torch.Tensor, slope: float | None) -> torch.Tensor:
        y = self.conv(x)
        slope = self.slope if slope is None else slope
        return y if slope == 1.0 else F.leaky_relu(y, slope, inplace=True)

    def _launch(self, x: torch.Tensor, out: torch.Tensor, slope: float | None) -> None:
        n, cout, ho, wo = self.output_shape(x)
        if tuple(out.shape) != (n, cout, ho, wo):
            raise ValueError(f"output buffer is {tuple(out.shape)}, expected {(n, cout, ho, wo)}")
        args = WinoArgs(
            x.data_ptr(), x.stride(0), x.stride(2), x.stride(3), n, x.shape[2], x.shape[3], x.shape[1],
            out.data_ptr(), out.stride(0), out.stride(2), out.stride(3), ho, wo, self.computed_channels,
            self.pad, self.packed.data_ptr(), self.bias32.data_ptr(), self.slope if slope is None else slope,
            self.block_tiles, self.scales.data_ptr(), self.input_bits, cout,
        )  # fmt: skip
        if kernel_library().wino_f43(ctypes.byref(args), torch.get_num_threads()) != 0:
            raise MemoryError("out of memory in the Winograd convolution")

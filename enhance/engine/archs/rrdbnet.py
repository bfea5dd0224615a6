"""RRDBNet (ESRGAN generator) as used by RealSR DF2K x4: nf 64, 23 RRDB blocks, gc 32,
two nearest x2 upsamplings, LeakyReLU 0.2. Parameter names follow the new-style ESRGAN
keys (conv_first, RRDB_trunk.N.RDBk.convj, trunk_conv, upconv1/2, HRconv, conv_last);
modules are declared in forward order, which the ncnn importer relies on.

With bf16/fp16 weights the residual stream (the trunk and every RDB/RRDB skip connection)
stays in fp32 and only the convolutions run in the low precision: 69 chained residual
additions in bf16 cost about 8 dB of PSNR against fp32, the fp32 stream nearly nothing."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class ResidualDenseBlock(nn.Module):
    def __init__(self, nf: int = 64, gc: int = 32):
        super().__init__()
        self.nf, self.gc = nf, gc
        self.conv1 = nn.Conv2d(nf, gc, 3, 1, 1)
        self.conv2 = nn.Conv2d(nf + gc, gc, 3, 1, 1)
        self.conv3 = nn.Conv2d(nf + 2 * gc, gc, 3, 1, 1)
        self.conv4 = nn.Conv2d(nf + 3 * gc, gc, 3, 1, 1)
        self.conv5 = nn.Conv2d(nf + 4 * gc, nf, 3, 1, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # One buffer holding [x, x1, x2, x3, x4] replaces four torch.cat copies of a growing tensor.
        n, _, h, w = x.shape
        compute = self.conv1.weight.dtype
        buf = torch.empty((n, self.nf + 4 * self.gc, h, w), dtype=compute, device=x.device, memory_format=_format_of(x))
        buf[:, : self.nf] = x
        end = self.nf
        for conv in (self.conv1, self.conv2, self.conv3, self.conv4):
            conv_lrelu_into(conv, buf[:, :end], buf[:, end : end + self.gc])
            end += self.gc
        return torch.add(x, self.conv5(buf).to(x.dtype), alpha=0.2)


def conv_lrelu_into(conv: nn.Module, src: torch.Tensor, dst: torch.Tensor, slope: float = 0.2) -> None:
    # A conv that can write into a slice (the Winograd kernel) fills the dense buffer in place.
    if hasattr(conv, "forward_into"):
        conv.forward_into(src, dst, slope)
    else:
        dst.copy_(F.leaky_relu(conv(src), slope, inplace=True))


def conv_lrelu(conv: nn.Module, x: torch.Tensor, slope: float = 0.2) -> torch.Tensor:
    if hasattr(conv, "forward_into"):
        return conv(x, slope)
    return F.leaky_relu(conv(x), slope, inplace=True)


def _format_of(x: torch.Tensor) -> torch.memory_format:
    if x.dim() == 4 and not x.is_contiguous() and x.is_contiguous(memory_format=torch.channels_last):
        return torch.channels_last
    return torch.contiguous_format


class RRDB(nn.Module):
    def __init__(self, nf: int = 64, gc: int = 32):
        super().__init__()
        self.RDB1 = ResidualDenseBlock(nf, gc)
        self.RDB2 = ResidualDenseBlock(nf, gc)
        self.RDB3 = ResidualDenseBlock(nf, gc)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.add(x, self.RDB3(self.RDB2(self.RDB1(x))), alpha=0.2)


class RRDBNet(nn.Module):
    scale = 4

    def __init__(self, in_nc: int = 3, out_nc: int = 3, nf: int = 64, nb: int = 23, gc: int = 32):
        super().__init__()
        self.conv_first = nn.Conv2d(in_nc, nf, 3, 1, 1)
        self.RRDB_trunk = nn.Sequential(*[RRDB(nf, gc) for _ in range(nb)])
        self.trunk_conv = nn.Conv2d(nf, nf, 3, 1, 1)
        self.upconv1 = nn.Conv2d(nf, nf, 3, 1, 1)
        self.upconv2 = nn.Conv2d(nf, nf, 3, 1, 1)
        self.HRconv = nn.Conv2d(nf, nf, 3, 1, 1)
        self.conv_last = nn.Conv2d(nf, out_nc, 3, 1, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # conv_first may be kept in fp32 (Real-ESRGAN: the input pixels k/255 rounded to bf16
        # cost about 9 dB), so the compute dtype is read from the trunk.
        compute = next(self.RRDB_trunk.parameters()).dtype
        fea = self.conv_first(x.to(self.conv_first.weight.dtype)).float()
        trunk = self.RRDB_trunk(fea)
        fea = (fea + self.trunk_conv(_cast_for(self.trunk_conv, trunk)).float()).to(compute)
        fea = conv_lrelu(self.upconv1, F.interpolate(_cast_for(self.upconv1, fea), scale_factor=2, mode="nearest"))
        fea = conv_lrelu(self.upconv2, F.interpolate(_cast_for(self.upconv2, fea), scale_factor=2, mode="nearest"))
        fea = conv_lrelu(self.HRconv, _cast_for(self.HRconv, fea))
        return self.conv_last(_cast_for(self.conv_last, fea))


def _cast_for(module: nn.Module, x: torch.Tensor) -> torch.Tensor:
    # Any layer may have been kept in fp32 (prepare_network's fp32_modules); no copy when it was not.
    return x.to(next(module.parameters()).dtype)

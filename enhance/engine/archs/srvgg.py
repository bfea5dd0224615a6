"""SRVGGNetCompact, Real-ESRGAN's compact network (realesr-animevideov3): a plain stack of
3x3 convolutions with per-channel PReLU, a pixel shuffle to the upscaled size, and the
nearest-upsampled input added back. Parameter names follow the official checkpoint
(body.0 conv, body.1 PReLU, ..., body.{2n+2} last conv); modules are declared in forward
order, which the ncnn importer relies on.

`out_scale` below `upscale` resizes the result down bicubically, as the packaged ncnn
x2/x3 graphs do (they are the x4 weights followed by an Interp layer). The residual add and
that resize stay in fp32: the input pixels k/255 are not exact in bf16, and an error of half
a bf16 step on the added base image alone would cost several dB."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class SRVGGNetCompact(nn.Module):
    def __init__(
        self, in_nc: int = 3, out_nc: int = 3, nf: int = 64, num_conv: int = 16, upscale: int = 4, out_scale: int = 4
    ):
        super().__init__()
        if not 1 <= out_scale <= upscale:
            raise ValueError(f"out_scale must be between 1 and {upscale}; got {out_scale}")
        self.upscale, self.scale = upscale, out_scale
        layers: list[nn.Module] = [nn.Conv2d(in_nc, nf, 3, 1, 1), nn.PReLU(nf)]
        for _ in range(num_conv):
            layers += [nn.Conv2d(nf, nf, 3, 1, 1), nn.PReLU(nf)]
        layers.append(nn.Conv2d(nf, out_nc * upscale * upscale, 3, 1, 1))
        self.body = nn.ModuleList(layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        compute = self.body[0].weight.dtype
        out = x.to(compute)
        for layer in self.body:
            out = layer(out)
        out = F.pixel_shuffle(out.float(), self.upscale)
        out += F.interpolate(x.float(), scale_factor=self.upscale, mode="nearest")
        if self.scale != self.upscale:
            size = (x.shape[2] * self.scale, x.shape[3] * self.scale)
            out = F.interpolate(out, size=size, mode="bicubic", align_corners=False)
        return out

"""Blur-then-subsample downsampling (antialiased CNNs, Zhang 2019) as used by the BOPB scratch
detector: a fixed binomial [1 2 1] x [1 2 1] / 16 depthwise filter, reflect padding, stride 2.
The filter is a buffer that the official checkpoint stores (`filt`)."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class BlurDownsample(nn.Module):
    def __init__(self, channels: int, stride: int = 2):
        super().__init__()
        self.stride = stride
        taps = torch.tensor([1.0, 2.0, 1.0])
        kernel = taps[:, None] * taps[None, :]
        kernel = kernel / kernel.sum()
        self.register_buffer("filt", kernel[None, None].repeat(channels, 1, 1, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        padded = F.pad(x, (1, 1, 1, 1), mode="reflect")
        return F.conv2d(padded, self.filt.to(x.dtype), stride=self.stride, groups=x.shape[1])

"""The BOPB scratch detector (official detection `UNet`, test settings: 1 -> 1 channel, depth 4,
two convs per level, 64 base filters, reflect padding, batch norm, bilinear upsampling, antialiased
downsampling). Input: grayscale in [-1, 1], sides multiples of 16; output: scratch logits."""

from __future__ import annotations

import torch
from torch import nn

from enhance.engine.archs.bopb.antialias import BlurDownsample


def _conv_block(in_channels: int, out_channels: int, n_convs: int) -> nn.Sequential:
    layers: list[nn.Module] = []
    for _ in range(n_convs):
        layers += [
            nn.ReflectionPad2d(1),
            nn.Conv2d(in_channels, out_channels, kernel_size=3),
            nn.BatchNorm2d(out_channels),
            nn.LeakyReLU(0.2, True),
        ]
        in_channels = out_channels
    return nn.Sequential(*layers)


class _ConvBlock(nn.Module):
    def __init__(self, in_channels: int, out_channels: int, n_convs: int):
        super().__init__()
        self.block = _conv_block(in_channels, out_channels, n_convs)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.block(x)


class _UpBlock(nn.Module):
    def __init__(self, in_channels: int, out_channels: int, n_convs: int):
        super().__init__()
        self.up = nn.Sequential(
            nn.Upsample(mode="bilinear", scale_factor=2, align_corners=False),
            nn.ReflectionPad2d(1),
            nn.Conv2d(in_channels, out_channels, kernel_size=3),
        )
        self.conv_block = _ConvBlock(in_channels, out_channels, n_convs)

    def forward(self, x: torch.Tensor, skip: torch.Tensor) -> torch.Tensor:
        up = self.up(x)
        # sizes match for inputs that are multiples of 16; centre-crop the skip otherwise, as the official net does
        top = (skip.shape[2] - up.shape[2]) // 2
        left = (skip.shape[3] - up.shape[3]) // 2
        skip = skip[:, :, top : top + up.shape[2], left : left + up.shape[3]]
        return self.conv_block(torch.cat([up, skip], 1))


class ScratchDetector(nn.Module):
    def __init__(
        self, in_channels: int = 1, out_channels: int = 1, depth: int = 4, n_convs: int = 2, base_log2: int = 6
    ):
        super().__init__()
        width = 2**base_log2
        self.first = nn.Sequential(
            nn.ReflectionPad2d(3), nn.Conv2d(in_channels, width, kernel_size=7), nn.LeakyReLU(0.2, True)
        )
        self.down_sample = nn.ModuleList()
        self.down_path = nn.ModuleList()
        channels = width
        for i in range(depth):
            self.down_sample.append(
                nn.Sequential(
                    nn.ReflectionPad2d(1),
                    nn.Conv2d(channels, channels, kernel_size=3),
                    nn.BatchNorm2d(channels),
                    nn.LeakyReLU(0.2, True),
                    BlurDownsample(channels),
                )
            )
            self.down_path.append(_ConvBlock(channels, 2 ** (base_log2 + i + 1), n_convs))
            channels = 2 ** (base_log2 + i + 1)
        self.up_path = nn.ModuleList()
        for i in reversed(range(depth)):
            self.up_path.append(_UpBlock(channels, 2 ** (base_log2 + i), n_convs))
            channels = 2 ** (base_log2 + i)
        self.last = nn.Sequential(nn.ReflectionPad2d(1), nn.Conv2d(channels, out_channels, kernel_size=3))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.first(x)
        skips = []
        for down_sample, down in zip(self.down_sample, self.down_path, strict=True):
            skips.append(x)
            x = down(down_sample(x))
        for up, skip in zip(self.up_path, reversed(skips), strict=True):
            x = up(x, skip)
        return self.last(x)

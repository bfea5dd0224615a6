"""Building blocks shared by the BOPB stage-1 networks.

Sequential indices matter: the official checkpoints name parameters by position
(`conv_block.1`, `conv_block.5`), so layers are laid out in the official order, including the
parameter-free padding / norm / activation layers.
"""

from __future__ import annotations

import torch
from torch import nn


def instance_norm(channels: int) -> nn.InstanceNorm2d:
    # Official stage 1 uses affine-free instance norm everywhere in the restoration nets.
    return nn.InstanceNorm2d(channels, affine=False)


def conv_norm_relu(in_channels: int, out_channels: int) -> list[nn.Module]:
    return [nn.Conv2d(in_channels, out_channels, 3, 1, 1), instance_norm(out_channels), nn.ReLU(True)]


class ResnetBlock(nn.Module):
    """x + (reflect-pad, 3x3 conv, IN, ReLU, reflect-pad, 3x3 conv, IN)."""

    def __init__(self, channels: int, dilation: int = 1):
        super().__init__()
        self.conv_block = nn.Sequential(
            nn.ReflectionPad2d(dilation),
            nn.Conv2d(channels, channels, kernel_size=3, padding=0, dilation=dilation),
            instance_norm(channels),
            nn.ReLU(True),
            nn.ReflectionPad2d(1),
            nn.Conv2d(channels, channels, kernel_size=3, padding=0),
            instance_norm(channels),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.conv_block(x)


def resnet_blocks(channels: int, count: int) -> list[nn.Module]:
    return [ResnetBlock(channels) for _ in range(count)]


def channel_ladder_down(in_channels: int, max_channels: int, steps: int = 4) -> list[nn.Module]:
    """The mapping nets' widening head: in -> 2x -> 4x ... capped at max_channels (conv, IN, ReLU each)."""
    layers: list[nn.Module] = []
    for i in range(steps):
        layers += conv_norm_relu(min(in_channels * 2**i, max_channels), min(in_channels * 2 ** (i + 1), max_channels))
    return layers


def channel_ladder_up(out_channels: int, max_channels: int, steps: int = 4) -> list[nn.Module]:
    """The mapping nets' narrowing tail back to out_channels; the last conv has no norm/activation."""
    layers: list[nn.Module] = []
    for i in range(steps - 1):
        layers += conv_norm_relu(
            min(out_channels * 2 ** (steps - i), max_channels), min(out_channels * 2 ** (steps - 1 - i), max_channels)
        )
    layers.append(nn.Conv2d(out_channels * 2, out_channels, 3, 1, 1))
    return layers

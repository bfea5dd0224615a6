"""The quality mapping network of BOPB stage 1 (official `Mapping_Model`): translates the old-photo
latent into the clean-photo latent. Test settings: 64 -> 512 channels, 6 residual blocks."""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from enhance.engine.archs.bopb.blocks import channel_ladder_down, channel_ladder_up, resnet_blocks
from enhance.engine.archs.bopb.precision import entering


class QualityMapping(nn.Module):
    def __init__(self, latent_channels: int = 64, max_channels: int = 512, n_blocks: int = 6):
        super().__init__()
        self.model = nn.Sequential(
            *channel_ladder_down(latent_channels, max_channels),
            *resnet_blocks(max_channels, n_blocks),
            *channel_ladder_up(latent_channels, max_channels),
        )

    def forward(self, latent: torch.Tensor, on_step: Callable[[int, int], None] | None = None) -> torch.Tensor:
        """on_step(done, total) after every layer: a progress and cancellation point on large photos."""
        latent = entering(self.model, latent)  # the encoder's fp32 latent, in this network's precision
        if on_step is None:
            return self.model(latent)
        for done, layer in enumerate(self.model, start=1):
            latent = layer(latent)
            on_step(done, len(self.model))
        return latent

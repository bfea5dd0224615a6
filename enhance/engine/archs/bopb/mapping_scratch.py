"""The scratch mapping network of BOPB stage 1 (official `Mapping_Model_with_mask` with NL_res):
widening head, masked non-local block, residual blocks, narrowing tail."""

from __future__ import annotations

import torch
from torch import nn

from enhance.engine.archs.bopb.attention import ChunkCallback
from enhance.engine.archs.bopb.blocks import channel_ladder_down, channel_ladder_up, resnet_blocks
from enhance.engine.archs.bopb.nonlocal_block import MaskedNonLocalBlock
from enhance.engine.archs.bopb.precision import entering


class ScratchMapping(nn.Module):
    # The attention's logits are products of 512-channel queries and keys: a perturbation of the
    # features they come from is amplified there (fp16 rounding of the widening head alone costs
    # 6 dB at the output). The head (4 convs, ~8 % of this network's multiply-adds) and the query
    # and key projections (~1 %) run in fp32; the residual blocks, the value and output projections
    # and the narrowing tail (~91 %) in the run's precision.
    FP32_ISLANDS = ("before_NL", "NL.theta", "NL.phi")

    def __init__(self, latent_channels: int = 64, max_channels: int = 512, n_blocks: int = 6):
        super().__init__()
        self.before_NL = nn.Sequential(*channel_ladder_down(latent_channels, max_channels))
        self.NL = MaskedNonLocalBlock(max_channels, max_channels)
        self.after_NL = nn.Sequential(
            *resnet_blocks(max_channels, n_blocks), *channel_ladder_up(latent_channels, max_channels)
        )

    def forward(self, latent: torch.Tensor, mask: torch.Tensor, on_chunk: ChunkCallback | None = None) -> torch.Tensor:
        """mask: (B, 1, H, W) at image resolution, 1 on scratches."""
        features = self.before_NL(entering(self.before_NL, latent))
        features = self.NL(features, mask, on_chunk)
        return self.after_NL(entering(self.after_NL, features))

"""The masked non-local block of the BOPB scratch mapping (official `NonLocalBlock2D_with_mask_Res`,
test settings: fusion "combine", L1 renormalisation on, temperature 1, no self, dot product).

Features at scratched positions are rebuilt from attention over the unscratched positions; the
rest pass through unchanged. The attention itself runs in bounded memory (see attention.py).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from enhance.engine.archs.bopb.attention import (
    CUDA_CHUNK_ELEMENTS,
    DEFAULT_CHUNK_ELEMENTS,
    ChunkCallback,
    masked_nonlocal_attention,
)
from enhance.engine.archs.bopb.blocks import resnet_blocks
from enhance.engine.archs.bopb.precision import dtype_of, entering


def valid_key_map(mask: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """(B, 1, h, w): 1 where a latent position is free of scratches, as the official block derives it:
    the bilinear-downscaled mask must be exactly 0 and the nearest-downscaled mask 0 too."""
    nearest_clean = F.interpolate(1 - mask, size)
    smooth = F.interpolate(mask, size, mode="bilinear")
    smooth[smooth > 0] = 1.0
    return (1 - smooth) * nearest_clean


class MaskedNonLocalBlock(nn.Module):
    def __init__(
        self,
        in_channels: int = 512,
        inter_channels: int = 512,
        renormalize: bool = True,
        temperature: float = 1.0,
        use_self: bool = False,
        cosine: bool = False,
        n_res_blocks: int = 3,
    ):
        super().__init__()
        if inter_channels != in_channels:
            # the "combine" fusion blends x and W(y) channel by channel
            raise ValueError("combine fusion needs inter_channels == in_channels")
        self.inter_channels = inter_channels
        self.renormalize = renormalize
        self.temperature = temperature
        self.use_self = use_self
        self.cosine = cosine
        self.g = nn.Conv2d(in_channels, inter_channels, kernel_size=1)
        self.W = nn.Conv2d(inter_channels, in_channels, kernel_size=1)
        self.theta = nn.Conv2d(in_channels, inter_channels, kernel_size=1)
        self.phi = nn.Conv2d(in_channels, inter_channels, kernel_size=1)
        self.res_block = nn.Sequential(*resnet_blocks(inter_channels, n_res_blocks))
        self.chunk_elements = DEFAULT_CHUNK_ELEMENTS  # per block on the CPU
        self.cuda_chunk_elements = CUDA_CHUNK_ELEMENTS
        self.attention_method = "auto"  # SDPA on CUDA, the explicit chunked softmax elsewhere

    def attend(self, x: torch.Tensor, mask: torch.Tensor, on_chunk: ChunkCallback | None = None
               ) -> tuple[torch.Tensor, torch.Tensor]:
        """The block's global part: W(attention) and the map of valid keys (1 off scratches).
        The tiled path (pipelines/bopb_tiled.py) calls it on the whole latent and tiles the rest."""
        batch, _, height, width = x.shape
        valid = valid_key_map(mask.to(torch.float32), (height, width))
        # each projection in its own precision (ScratchMapping keeps theta and phi in fp32)
        values = self.g(entering(self.g, x)).flatten(2).transpose(1, 2)
        queries = self.theta(entering(self.theta, x)).flatten(2).transpose(1, 2)
        keys = self.phi(entering(self.phi, x)).flatten(2)
        attended = masked_nonlocal_attention(
            queries,
            keys,
            values,
            valid.flatten(1),
            renormalize=self.renormalize,
            temperature=self.temperature,
            use_self=self.use_self,
            cosine=self.cosine,
            chunk_elements=self.cuda_chunk_elements if x.is_cuda else self.chunk_elements,
            on_chunk=on_chunk,
            method=self.attention_method,
        )
        del queries, keys, values
        attended = attended.transpose(1, 2).reshape(batch, self.inter_channels, height, width)
        return self.W(entering(self.W, attended)), valid

    def forward(self, x: torch.Tensor, mask: torch.Tensor, on_chunk: ChunkCallback | None = None) -> torch.Tensor:
        weighted, valid = self.attend(x, mask, on_chunk)
        rebuilt = self.res_block(entering(self.res_block, weighted))
        del weighted
        # the blend in the wider of the two dtypes (x is fp32 where the widening head is an island)
        out_dtype = torch.promote_types(x.dtype, dtype_of(self.res_block))
        valid = valid.to(out_dtype)
        return valid * x.to(out_dtype) + (1 - valid) * rebuilt.to(out_dtype)

"""The HR scratch mapping of BOPB stage 1 (official `Mapping_Model_with_mask_2`, multi-scale patch
attention, run through its memory-optimised inference path as the official HR mode does).

At each of three scales (patch 8, 4, 2 latent pixels) every patch that is mostly scratch
(> 60 % of its mask set) is replaced by the most similar (cosine) clean patch; the result, the
input and the mask are fused by a 3x3 convolution.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from enhance.engine.archs.bopb.attention import DEFAULT_CHUNK_ELEMENTS, ChunkCallback, best_matching_keys
from enhance.engine.archs.bopb.blocks import channel_ladder_down, channel_ladder_up, resnet_blocks
from enhance.engine.archs.bopb.precision import entering


def latent_hole_map(mask: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """(B, 1, h, w): 1 wherever the bilinear-downscaled mask is non-zero (official HR rule)."""
    smooth = F.interpolate(mask, size, mode="bilinear")
    smooth[smooth > 0] = 1.0
    return smooth


class PatchAttention(nn.Module):
    def __init__(self, channels: int = 512, patch_size: int = 8):
        super().__init__()
        self.patch_size = patch_size
        self.F_Combine = nn.Conv2d(channels * 2 + 1, channels, kernel_size=3, stride=1, padding=1)
        self.res_block = nn.Sequential(*resnet_blocks(channels, 1))
        self.chunk_elements = DEFAULT_CHUNK_ELEMENTS

    def compose(self, x: torch.Tensor, mask: torch.Tensor, on_chunk: ChunkCallback | None = None
                ) -> tuple[torch.Tensor, torch.Tensor]:
        """The global part: each scratched patch replaced by its best clean match, and the hole
        map. The tiled path (pipelines/bopb_tiled.py) calls it on the whole latent."""
        _, _, height, width = x.shape
        p = self.patch_size
        holes = latent_hole_map(mask.to(torch.float32), (height, width))
        # the official code decides per patch from the first image of the batch
        hole_patches = F.unfold(holes, kernel_size=p, stride=p).mean(dim=1)[0] > 0.6
        query_index = torch.nonzero(hole_patches, as_tuple=True)[0]
        key_index = torch.nonzero(~hole_patches, as_tuple=True)[0]
        if len(query_index) == 0 or len(key_index) == 0:
            # nothing to repair, or (all patches scratched) nothing clean to borrow from: keep x.
            # The official code crashes in the latter case and skips the photo.
            return x, holes
        patches = F.unfold(x, kernel_size=p, stride=p)
        keys = patches.index_select(2, key_index)
        for b in range(patches.shape[0]):
            best = best_matching_keys(
                patches[b].index_select(1, query_index).t(),
                keys[b],
                chunk_elements=self.chunk_elements,
                on_chunk=on_chunk,
            )
            patches[b][:, query_index] = keys[b][:, best]
        del keys
        # like the official fold, latent rows/columns beyond the last whole patch come out as 0
        return F.fold(patches, output_size=(height, width), kernel_size=p, stride=p), holes

    def forward(self, z: torch.Tensor, mask: torch.Tensor, on_chunk: ChunkCallback | None = None) -> torch.Tensor:
        composed, holes = self.compose(self.res_block(z), mask, on_chunk)
        fused = torch.cat((z, composed.to(z.dtype), holes.to(z.dtype)), dim=1)
        del composed
        return self.F_Combine(fused)


class PatchAttentionMapping(nn.Module):
    def __init__(self, latent_channels: int = 64, max_channels: int = 512):
        super().__init__()
        self.before_NL = nn.Sequential(
            *channel_ladder_down(latent_channels, max_channels), *resnet_blocks(max_channels, 2)
        )
        self.NL_scale_1 = PatchAttention(max_channels, 8)
        self.res_block_1 = nn.Sequential(*resnet_blocks(max_channels, 2))
        self.NL_scale_2 = PatchAttention(max_channels, 4)
        self.res_block_2 = nn.Sequential(*resnet_blocks(max_channels, 2))
        self.NL_scale_3 = PatchAttention(max_channels, 2)
        self.after_NL = nn.Sequential(
            *resnet_blocks(max_channels, 2), *channel_ladder_up(latent_channels, max_channels)
        )

    def forward(self, latent: torch.Tensor, mask: torch.Tensor, on_chunk: ChunkCallback | None = None) -> torch.Tensor:
        """mask: (B, 1, H, W) at image resolution, 1 on scratches."""

        def scale_progress(index: int) -> ChunkCallback | None:
            # three attention passes report one combined, monotonic progress
            if on_chunk is None:
                return None
            return lambda done, total: on_chunk(index * total + done, 3 * total)

        x = self.before_NL(entering(self.before_NL, latent))
        x = self.res_block_1(self.NL_scale_1(x, mask, scale_progress(0)))
        x = self.res_block_2(self.NL_scale_2(x, mask, scale_progress(1)))
        x = self.NL_scale_3(x, mask, scale_progress(2))
        return self.after_NL(x)

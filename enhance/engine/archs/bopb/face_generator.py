"""BOPB stage 3: the face-enhancement SPADE generator (official SPADEGenerator with
netG=spade, ngf=64, num_upsampling_layers=normal, injection_layer=all, no VAE, no_parsing_map).

The degraded face (N, 3, S, S) in [-1, 1] is both the starting point (bilinearly shrunk to
S/32, then `fc`) and the SPADE guide at every scale; five nearest 2x upsamplings bring it back
to S. Output in [-1, 1] (tanh). S is 256 (Setting_9_epoch_100) or 512 (FaceSR_512); the
weights do not depend on S.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from enhance.engine.archs.bopb.spade_block import SpadeResnetBlock

UPSAMPLINGS = 5  # "normal": the latent is 1/32 of the face


class FaceGenerator(nn.Module):
    def __init__(self, ngf: int = 64):
        super().__init__()
        nf = ngf
        self.fc = nn.Conv2d(3, 16 * nf, 3, padding=1)
        self.head_0 = SpadeResnetBlock(16 * nf, 16 * nf)
        self.G_middle_0 = SpadeResnetBlock(16 * nf, 16 * nf)
        self.G_middle_1 = SpadeResnetBlock(16 * nf, 16 * nf)
        self.up_0 = SpadeResnetBlock(16 * nf, 8 * nf)
        self.up_1 = SpadeResnetBlock(8 * nf, 4 * nf)
        self.up_2 = SpadeResnetBlock(4 * nf, 2 * nf)
        self.up_3 = SpadeResnetBlock(2 * nf, 1 * nf)
        self.conv_img = nn.Conv2d(nf, 3, 3, padding=1)

    def forward(self, face: torch.Tensor) -> torch.Tensor:
        size = face.shape[-1]
        if face.shape[-2] != size or size % 2**UPSAMPLINGS:
            raise ValueError(f"face generator needs square faces, a multiple of 32 wide; got {list(face.shape)}")
        guides: dict[int, torch.Tensor] = {}

        def guide(x: torch.Tensor) -> torch.Tensor:
            # The official SPADE resizes the face bilinearly to each activation size, in every block.
            side = x.shape[-1]
            if side not in guides:
                guides[side] = face if side == size else F.interpolate(face, size=(side, side), mode="bilinear")
            return guides[side]

        latent = size // 2**UPSAMPLINGS
        x = self.fc(F.interpolate(face, size=(latent, latent), mode="bilinear"))
        x = self.head_0(x, guide(x))
        x = _up(x)
        x = self.G_middle_0(x, guide(x))
        x = self.G_middle_1(x, guide(x))
        for block in (self.up_0, self.up_1, self.up_2, self.up_3):
            x = _up(x)
            x = block(x, guide(x))
        return torch.tanh(self.conv_img(F.leaky_relu(x, 0.2)))


def _up(x: torch.Tensor) -> torch.Tensor:
    return F.interpolate(x, scale_factor=2, mode="nearest")

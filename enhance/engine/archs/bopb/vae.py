"""The VAE generator of BOPB stage 1 (official `GlobalGenerator_DCDCv2`).

Stage 1 uses the encoder of domain A (old photos) and the decoder of domain B (clean photos);
the mapping network translates between the two latent spaces. With the official test settings
(ngf 64, mc 64, k_size 4, 3 downsamplings, start_r 1, spatio_size 64) the latent is 64 channels at
1/4 of the image size, so the image side must be a multiple of 4.
"""

from __future__ import annotations

import torch
from torch import nn

from enhance.engine.archs.bopb.blocks import ResnetBlock, instance_norm
from enhance.engine.archs.bopb.precision import entering


class VaeGenerator(nn.Module):
    # The encoder's rounding is amplified by every layer after it (mapping and decoder): in fp32 it
    # lifts fp16 from 47 to 54 dB (quality) and 41 to 49 dB (scratches) against fp32, at ~2 % of
    # stage 1's multiply-adds. The decoder stays in the run's precision.
    FP32_ISLANDS = ("encoder",)

    def __init__(
        self,
        in_channels: int = 3,
        out_channels: int = 3,
        base_channels: int = 64,
        max_channels: int = 64,
        kernel_size: int = 4,
        n_downsampling: int = 3,
        plain_downsamplings: int = 1,
    ):
        super().__init__()

        def ch(mult: int) -> int:
            return min(base_channels * mult, max_channels)

        def down(mult: int) -> list[nn.Module]:
            return [
                nn.Conv2d(ch(mult), ch(mult * 2), kernel_size=kernel_size, stride=2, padding=1),
                instance_norm(ch(mult * 2)),
                nn.ReLU(True),
            ]

        def up(mult: int) -> list[nn.Module]:
            # kernel 4, stride 2, padding 1 doubles the size exactly (official o_pad is 0 for k=4)
            output_padding = 0 if kernel_size == 4 else 1
            return [
                nn.ConvTranspose2d(
                    ch(mult),
                    min(base_channels * mult // 2, max_channels),
                    kernel_size=kernel_size,
                    stride=2,
                    padding=1,
                    output_padding=output_padding,
                ),
                instance_norm(min(base_channels * mult // 2, max_channels)),
                nn.ReLU(True),
            ]

        encoder: list[nn.Module] = [
            nn.ReflectionPad2d(3),
            nn.Conv2d(in_channels, ch(1), kernel_size=7, padding=0),
            instance_norm(base_channels),
            nn.ReLU(True),
        ]
        for i in range(plain_downsamplings):
            encoder += down(2**i)
        for i in range(plain_downsamplings, n_downsampling - 1):
            encoder += down(2**i)
            encoder += [ResnetBlock(ch(2 ** (i + 1))), ResnetBlock(ch(2 ** (i + 1)))]
        latent = ch(2**n_downsampling)
        # the official spatio_size=64 setting: two more residual blocks, no further downsampling
        encoder += [ResnetBlock(latent), ResnetBlock(latent)]
        self.encoder = nn.Sequential(*encoder)

        decoder: list[nn.Module] = [ResnetBlock(latent), ResnetBlock(latent)]
        for i in range(1, n_downsampling - plain_downsamplings):
            mult = 2 ** (n_downsampling - i)
            decoder += [ResnetBlock(ch(mult)), ResnetBlock(ch(mult))]
            decoder += up(mult)
        for i in range(n_downsampling - plain_downsamplings, n_downsampling):
            decoder += up(2 ** (n_downsampling - i))
        decoder += [nn.ReflectionPad2d(3), nn.Conv2d(ch(1), out_channels, kernel_size=7, padding=0), nn.Tanh()]
        self.decoder = nn.Sequential(*decoder)

    def encode(self, image: torch.Tensor) -> torch.Tensor:
        return self.encoder(entering(self.encoder, image))

    def decode(self, latent: torch.Tensor) -> torch.Tensor:
        return self.decoder(entering(self.decoder, latent))

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        return self.decode(self.encode(image))

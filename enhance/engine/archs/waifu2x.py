"""waifu2x networks as shipped with waifu2x-ncnn-vulkan: UpConv7 (photo / anime, 2x) and
CUNet (art, 1x) / UpCUNet (art, 2x) with squeeze-excitation blocks. All convolutions are
unpadded ("valid"); the caller replicate-pads the input by `prepadding` pixels per side
and aligns CUNet inputs (see ALIGN). Modules are declared in forward order, which the
ncnn importer relies on."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

PREPADDING = {"upconv7": 7, "upcunet": 18, "cunet": 28}
# Input size (after prepadding) must be a multiple of this: the U-Nets halve the size once (1x-stage
# of UpCUNet) or twice (CUNet 1x, whose second U-Net sees the input minus 16 px).
ALIGN = {"upconv7": 1, "upcunet": 2, "cunet": 4}


def _conv(cin: int, cout: int, k: int = 3, stride: int = 1) -> nn.Conv2d:
    return nn.Conv2d(cin, cout, k, stride, 0)


class ConvLReLU(nn.Sequential):
    def __init__(self, cin: int, cout: int, k: int = 3, stride: int = 1):
        super().__init__(_conv(cin, cout, k, stride), nn.LeakyReLU(0.1, inplace=True))


def _spatial_mean(x: torch.Tensor) -> torch.Tensor:
    """Per-channel mean of an (N, C, H, W) map, as (N, C), accumulated in fp32 (an fp32 island).

    A tile's per-channel sum reaches 1e5-1e6, past fp16's largest value (65,504): summing in the
    map's dtype ruined fp16 output. On a channels_last bf16/fp32 map the sum is one (1, HW) x (HW, C)
    product per image (mean() on bf16 first copies the whole map to fp32, which made it a tenth of
    a waifu2x art run on the CPU); the product accumulates in fp32 and bf16 has fp32's range, so
    its sum cannot overflow. fp16 maps are summed by a reduction that accumulates in fp32."""
    n, c, h, w = x.shape
    if x.dtype == torch.float16 or not x.is_contiguous(memory_format=torch.channels_last):
        return x.sum(dim=(2, 3), dtype=torch.float32).div_(h * w).to(x.dtype)
    ones = torch.ones(1, h * w, dtype=x.dtype, device=x.device)
    sums = torch.matmul(ones, x.permute(0, 2, 3, 1).reshape(n, h * w, c))
    return (sums.float() / (h * w)).to(x.dtype).reshape(n, c)


class SEBlock(nn.Module):
    def __init__(self, channels: int, reduction: int = 8):
        super().__init__()
        self.fc1 = nn.Linear(channels, channels // reduction)
        self.fc2 = nn.Linear(channels // reduction, channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        z = _spatial_mean(x)
        z = torch.sigmoid(self.fc2(F.relu(self.fc1(z))))
        return x * z[:, :, None, None]


def _crop(x: torch.Tensor, border: int) -> torch.Tensor:
    return x[:, :, border:-border, border:-border]


class UpConv7(nn.Module):
    scale = 2
    prepadding = PREPADDING["upconv7"]
    align = ALIGN["upconv7"]

    def __init__(self):
        super().__init__()
        widths = (3, 16, 32, 64, 128, 128, 256)
        self.body = nn.Sequential(*[ConvLReLU(a, b) for a, b in zip(widths, widths[1:], strict=False)])
        self.upconv = nn.ConvTranspose2d(256, 3, 4, 2, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.upconv(self.body(x))


class UNet1(nn.Module):
    def __init__(self, upsample: bool):
        super().__init__()
        self.conv1 = nn.Sequential(ConvLReLU(3, 32), ConvLReLU(32, 64))
        self.conv1_down = ConvLReLU(64, 64, 2, 2)
        self.conv2 = nn.Sequential(ConvLReLU(64, 128), ConvLReLU(128, 64), SEBlock(64))
        self.conv2_up = nn.Sequential(nn.ConvTranspose2d(64, 64, 2, 2, 0), nn.LeakyReLU(0.1, inplace=True))
        self.conv3 = ConvLReLU(64, 64)
        self.conv_bottom = nn.ConvTranspose2d(64, 3, 4, 2, 3) if upsample else _conv(64, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x1 = self.conv1(x)
        x2 = self.conv2_up(self.conv2(self.conv1_down(x1)))
        x3 = self.conv3(_crop(x1, 4) + x2)
        return self.conv_bottom(x3)


class UNet2(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Sequential(ConvLReLU(3, 32), ConvLReLU(32, 64))
        self.conv1_down = ConvLReLU(64, 64, 2, 2)
        self.conv2 = nn.Sequential(ConvLReLU(64, 64), ConvLReLU(64, 128), SEBlock(128))
        self.conv2_down = ConvLReLU(128, 128, 2, 2)
        self.conv3 = nn.Sequential(ConvLReLU(128, 256), ConvLReLU(256, 128), SEBlock(128))
        self.conv3_up = nn.Sequential(nn.ConvTranspose2d(128, 128, 2, 2, 0), nn.LeakyReLU(0.1, inplace=True))
        self.conv4 = nn.Sequential(ConvLReLU(128, 64), ConvLReLU(64, 64), SEBlock(64))
        self.conv4_up = nn.Sequential(nn.ConvTranspose2d(64, 64, 2, 2, 0), nn.LeakyReLU(0.1, inplace=True))
        self.conv5 = ConvLReLU(64, 64)
        self.conv_bottom = _conv(64, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x1 = self.conv1(x)
        x2 = self.conv2(self.conv1_down(x1))
        x3 = self.conv3_up(self.conv3(self.conv2_down(x2)))
        x4 = self.conv4_up(self.conv4(_crop(x2, 4) + x3))
        return self.conv_bottom(self.conv5(_crop(x1, 16) + x4))


class CUNet(nn.Module):
    """Art model: UNet1 then a residual UNet2. upsample=False is CUNet 1x, True is UpCUNet 2x."""

    def __init__(self, upsample: bool):
        super().__init__()
        self.scale = 2 if upsample else 1
        kind = "upcunet" if upsample else "cunet"
        self.prepadding = PREPADDING[kind]
        self.align = ALIGN[kind]
        self.unet1 = UNet1(upsample)
        self.unet2 = UNet2()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x1 = self.unet1(x)
        return _crop(x1, 20) + self.unet2(x1)


def build(kind: str) -> nn.Module:
    if kind == "upconv7":
        return UpConv7()
    if kind == "upcunet":
        return CUNet(upsample=True)
    if kind == "cunet":
        return CUNet(upsample=False)
    raise ValueError(f"unknown waifu2x network {kind!r}")

"""Our PyTorch networks on the imported weights vs the ncnn runtime on the original
.param/.bin: fp32, no tiling, PSNR >= 60 dB on the final 8-bit images."""

from __future__ import annotations

import numpy as np
import pytest

from enhance.engine import enhance_image
from tests.engine.helpers import ncnn_forward, ncnn_net, psnr, random_image, to_uint8

pytestmark = pytest.mark.engine

WAIFU2X_CASES = [
    # (style, scale, noise, package model, prepadding, align)
    ("art", 1, 0, "WAIFU2X_CUNET_UP1X_DENOISE0X", 28, 4),
    ("art", 1, 3, "WAIFU2X_CUNET_UP1X_DENOISE3X", 28, 4),
    ("art", 2, -1, "WAIFU2X_CUNET_UP2X", 18, 2),
    ("art", 2, 2, "WAIFU2X_CUNET_UP2X_DENOISE2X", 18, 2),
    ("photo", 2, -1, "WAIFU2X_PHOTO_UP2X", 7, 1),
    ("photo", 2, 1, "WAIFU2X_PHOTO_UP2X_DENOISE1X", 7, 1),
    ("photo", 2, 3, "WAIFU2X_PHOTO_UP2X_DENOISE3X", 7, 1),
]


def ncnn_waifu2x(img, name, pad, align, scale):
    chw = np.asarray(img, dtype=np.float32).transpose(2, 0, 1) / 255.0
    h, w = chw.shape[1:]
    extra_h = (-(h + 2 * pad)) % align
    extra_w = (-(w + 2 * pad)) % align
    padded = np.pad(chw, ((0, 0), (pad, pad + extra_h), (pad, pad + extra_w)), mode="edge")
    out = ncnn_forward(ncnn_net("waifu2x", name), padded, "Input1", "Eltwise4")
    return to_uint8(out[:, : h * scale, : w * scale])


@pytest.mark.parametrize(("style", "scale", "noise", "name", "pad", "align"), WAIFU2X_CASES)
def test_waifu2x_matches_ncnn(engine, rng, style, scale, noise, name, pad, align):
    img = random_image(rng, 23, 21)  # odd sizes: exercises CUNet alignment
    ours = np.asarray(
        enhance_image(img, "waifu2x", {"style": style, "scale": scale, "noise": noise}, precision="fp32", tile_size=0)
    )
    reference = ncnn_waifu2x(img, name, pad, align, scale)
    assert ours.shape == reference.shape == (21 * scale, 23 * scale, 3)
    assert psnr(ours, reference) >= 60


def test_realsr_matches_ncnn(engine, rng):
    img = random_image(rng, 24, 20)
    ours = np.asarray(enhance_image(img, "realsr", {}, precision="fp32", tile_size=0))
    chw = np.asarray(img, dtype=np.float32).transpose(2, 0, 1) / 255.0
    reference = to_uint8(ncnn_forward(ncnn_net("realsr", "REALSR_DF2K_UP4X"), chw, "data", "output"))
    assert ours.shape == reference.shape == (80, 96, 3)
    assert psnr(ours, reference) >= 60


def test_waifu2x_four_x_is_two_passes_of_ncnn(engine, rng):
    img = random_image(rng, 13, 11)
    ours = np.asarray(
        enhance_image(img, "waifu2x", {"style": "photo", "scale": 4, "noise": 1}, precision="fp32", tile_size=0)
    )
    from PIL import Image

    first = ncnn_waifu2x(img, "WAIFU2X_PHOTO_UP2X_DENOISE1X", 7, 1, 2)
    second = ncnn_waifu2x(Image.fromarray(first), "WAIFU2X_PHOTO_UP2X", 7, 1, 2)
    assert ours.shape == second.shape == (44, 52, 3)
    assert psnr(ours, second) >= 55  # an 8-bit rounding step between passes can flip a few values

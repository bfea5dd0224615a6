"""Input modes: alpha, gray, palette, 16-bit, CMYK; ICC profiles carried over."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image, ImageCms

from enhance.engine import enhance_image
from tests.engine.helpers import psnr, random_image

pytestmark = pytest.mark.engine

PHOTO_2X = {"style": "photo", "scale": 2, "noise": 0}


def test_rgba_alpha_is_upscaled_and_reattached(engine, rng):
    img = random_image(rng, 20, 16).convert("RGBA")
    alpha = np.zeros((16, 20), dtype=np.uint8)
    alpha[:, 10:] = 255  # left half transparent
    img.putalpha(Image.fromarray(alpha))
    out = enhance_image(img, "waifu2x", PHOTO_2X, precision="fp32")
    assert out.mode == "RGBA" and out.size == (40, 32)
    out_alpha = np.asarray(out.getchannel("A"))
    # solid regions stay exactly solid (the network alone leaves 239-253 and 1-6); the edge is smooth
    assert out_alpha[:, :18].max() == 0 and out_alpha[:, 22:].min() == 255
    rgb_only = enhance_image(img.convert("RGB"), "waifu2x", PHOTO_2X, precision="fp32")
    assert np.array_equal(np.asarray(out.convert("RGB")), np.asarray(rgb_only))


@pytest.mark.parametrize(("model", "options"), [("realsr", {}), ("waifu2x", {"style": "art", "scale": 2, "noise": 1})])
def test_transparent_art_keeps_exact_solid_alpha_through_every_upscaler(engine, rng, model, options):
    img = random_image(rng, 24, 24).convert("RGBA")
    alpha = np.zeros((24, 24), dtype=np.uint8)
    alpha[6:18, 6:18] = 255  # an opaque square on a transparent page
    img.putalpha(Image.fromarray(alpha))
    out = enhance_image(img, model, options, precision="fp32")
    factor = out.width // 24
    out_alpha = np.asarray(out.getchannel("A"))
    assert out_alpha[: 4 * factor].max() == 0 and out_alpha[20 * factor :].max() == 0
    assert out_alpha[7 * factor : 10 * factor, 7 * factor : 17 * factor].min() == 255
    if model == "realsr":  # RealSR draws soft edges: they stay soft (waifu2x art keeps a step a step)
        assert ((out_alpha > 0) & (out_alpha < 255)).any()


def test_constant_alpha_skips_the_network(engine, rng):
    img = random_image(rng, 12, 10).convert("RGBA")
    img.putalpha(200)
    out = enhance_image(img, "waifu2x", PHOTO_2X, precision="fp32")
    assert np.unique(np.asarray(out.getchannel("A"))).tolist() == [200]


def test_same_size_output_keeps_alpha_unchanged(engine, rng):
    img = random_image(rng, 12, 12).convert("RGBA")
    alpha = Image.fromarray(rng.integers(0, 255, (12, 12), dtype=np.uint8))
    img.putalpha(alpha)
    out = enhance_image(img, "waifu2x", {"style": "art", "scale": 1, "noise": 1}, precision="fp32")
    assert out.mode == "RGBA" and np.array_equal(np.asarray(out.getchannel("A")), np.asarray(alpha))


def test_gray_and_gray_alpha_stay_gray(engine, rng):
    gray = random_image(rng, 14, 12).convert("L")
    out = enhance_image(gray, "waifu2x", PHOTO_2X, precision="fp32")
    assert out.mode == "L" and out.size == (28, 24)
    la = gray.convert("LA")
    out_la = enhance_image(la, "waifu2x", PHOTO_2X, precision="fp32")
    assert out_la.mode == "LA"
    assert np.array_equal(np.asarray(out_la.getchannel("L")), np.asarray(out))


def test_palette_with_and_without_transparency(engine, rng):
    rgb = random_image(rng, 16, 12)
    palette = rgb.quantize(32)
    out = enhance_image(palette, "waifu2x", PHOTO_2X, precision="fp32")
    assert out.mode == "RGB" and out.size == (32, 24)
    palette.info["transparency"] = 0
    out_t = enhance_image(palette, "waifu2x", PHOTO_2X, precision="fp32")
    assert out_t.mode == "RGBA"


def test_sixteen_bit_gray_is_scaled_not_clipped(engine, rng):
    eight = random_image(rng, 16, 12).convert("L")
    sixteen = Image.fromarray(np.asarray(eight, dtype=np.uint16) * 257)
    assert sixteen.mode.startswith("I;16")
    out16 = enhance_image(sixteen, "waifu2x", PHOTO_2X, precision="fp32")
    out8 = enhance_image(eight, "waifu2x", PHOTO_2X, precision="fp32")
    assert out16.mode == "L"
    assert np.array_equal(np.asarray(out16), np.asarray(out8))


def test_cmyk_becomes_rgb(engine, rng):
    rgb = random_image(rng, 16, 12)
    out = enhance_image(rgb.convert("CMYK"), "waifu2x", PHOTO_2X, precision="fp32")
    reference = enhance_image(rgb.convert("CMYK").convert("RGB"), "waifu2x", PHOTO_2X, precision="fp32")
    assert out.mode == "RGB" and out.size == (32, 24)
    assert psnr(np.asarray(out), np.asarray(reference)) >= 40
    assert "icc_profile" not in out.info


def test_icc_profile_is_carried_over(engine, rng):
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    img = random_image(rng, 10, 8)
    img.info["icc_profile"] = profile
    out = enhance_image(img, "realsr", precision="bf16")
    assert out.info["icc_profile"] == profile
    buffer = io.BytesIO()
    out.save(buffer, format="PNG", icc_profile=out.info["icc_profile"])
    assert Image.open(io.BytesIO(buffer.getvalue())).info["icc_profile"] == profile


def test_bad_images_raise_value_error(engine):
    with pytest.raises(ValueError, match="expected a PIL image"):
        enhance_image(b"not an image", "realsr")
    data = io.BytesIO()
    Image.new("RGB", (64, 64), "red").save(data, format="PNG")
    truncated = Image.open(io.BytesIO(data.getvalue()[:60]))
    with pytest.raises(ValueError, match="could not be decoded"):
        enhance_image(truncated, "waifu2x", PHOTO_2X)

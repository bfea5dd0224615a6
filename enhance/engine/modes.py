"""Any Pillow input mode in, 8-bit RGB to the pipelines, and back out.

prepare(img) -> Prepared: 8-bit RGB, the alpha plane (or None), whether the input was gray,
the ICC profile to carry over. finish(rgb_out, alpha_out, prepared) rebuilds L / LA / RGB /
RGBA output with the profile in out.info["icc_profile"]. 16-bit gray (I;16*, I) is scaled
to 8 bits (v / 257, rounded); CMYK is converted to RGB (through its ICC profile when it has
one, so a CMYK profile is never attached to RGB output)."""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
from PIL import Image

GRAY_MODES = {"1", "L", "LA", "La", "I", "I;16", "I;16L", "I;16B", "I;16N", "F"}
ALPHA_MODES = {"RGBA", "RGBa", "LA", "La", "PA"}
SIXTEEN_BIT = {"I", "I;16", "I;16L", "I;16B", "I;16N"}


@dataclass
class Prepared:
    rgb: Image.Image
    alpha: Image.Image | None
    gray: bool
    icc: bytes | None


def _gray_to_l(img: Image.Image) -> Image.Image:
    array = np.asarray(img)
    if img.mode in SIXTEEN_BIT:
        array = np.clip(np.rint(array.astype(np.float64) / 257.0), 0, 255)
    else:  # "F": Pillow's convention is 0..255
        array = np.clip(np.rint(array.astype(np.float64)), 0, 255)
    return Image.fromarray(array.astype(np.uint8), "L")


def _cmyk_to_rgb(img: Image.Image, icc: bytes | None) -> Image.Image:
    if icc:
        try:
            from PIL import ImageCms

            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            return ImageCms.profileToProfile(img, source, ImageCms.createProfile("sRGB"), outputMode="RGB")
        except Exception:  # a broken or unsupported profile: fall back to Pillow's plain conversion
            pass
    return img.convert("RGB")


def prepare(img: Image.Image) -> Prepared:
    if not isinstance(img, Image.Image):
        raise ValueError("expected a PIL image")
    try:
        img.load()
    except (OSError, SyntaxError, ValueError) as exc:
        raise ValueError(f"the image could not be decoded: {exc}") from exc
    if img.width < 1 or img.height < 1:
        raise ValueError("the image is empty (0 pixels)")
    icc = img.info.get("icc_profile") or None
    mode = img.mode
    if mode == "P":
        img = img.convert("RGBA" if "transparency" in img.info else "RGB")
        mode = img.mode
    elif mode in ("RGBa", "La", "PA"):
        img = img.convert("RGBA" if mode != "La" else "LA")
        mode = img.mode
    alpha = None
    if mode in ("RGBA", "LA"):
        alpha = img.getchannel("A")
        img = img.convert("RGB" if mode == "RGBA" else "L")
        mode = img.mode
    gray = mode in GRAY_MODES
    if mode in SIXTEEN_BIT or mode == "F":
        img = _gray_to_l(img)
    if mode == "CMYK":
        rgb = _cmyk_to_rgb(img, icc)
        icc = None
    else:
        rgb = img.convert("RGB")
    return Prepared(rgb=rgb, alpha=alpha, gray=gray, icc=icc)


def alpha_as_rgb(alpha: Image.Image) -> Image.Image:
    return Image.merge("RGB", (alpha, alpha, alpha))


def constant_alpha(alpha: Image.Image) -> int | None:
    low, high = alpha.getextrema()
    return low if low == high else None


def settle_alpha(alpha_in: Image.Image, alpha_out: Image.Image) -> Image.Image:
    """A network-upscaled alpha plane with its solid regions restored: where the source alpha is
    fully opaque (255) or fully transparent (0) across a pixel's 3x3 neighbourhood, the output is
    exactly that value; only edges keep the network's smooth values. Networks trained on photos
    leave opaque areas at 239-253 and transparent ones at 1-6, which shows as a haze on any
    background."""
    from PIL import ImageFilter

    if alpha_in.size == alpha_out.size:
        return alpha_out
    low = np.asarray(alpha_in.filter(ImageFilter.MinFilter(3)).resize(alpha_out.size, Image.Resampling.NEAREST))
    high = np.asarray(alpha_in.filter(ImageFilter.MaxFilter(3)).resize(alpha_out.size, Image.Resampling.NEAREST))
    settled = np.array(alpha_out, dtype=np.uint8)
    settled[low == 255] = 255
    settled[high == 0] = 0
    return Image.fromarray(settled, "L")


def finish(rgb_out: Image.Image, alpha_out: Image.Image | None, prepared: Prepared) -> Image.Image:
    out = rgb_out.convert("L") if prepared.gray else rgb_out
    if alpha_out is not None:
        out = out.copy()
        out.putalpha(alpha_out)
    if prepared.icc:
        out.info["icc_profile"] = prepared.icc
    return out

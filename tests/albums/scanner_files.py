"""Small generated files with the modes and structures real cameras and scanners write."""

import io

import numpy as np
from PIL import Image

FIRST_FRAME = (200, 30, 40)
SECOND_FRAME = (20, 190, 60)


def mpo_two_frames(size=(48, 32)) -> bytes:
    """A JPEG with multi-picture data (Pillow reports it as MPO), as phones write for depth maps."""
    first = Image.new("RGB", size, FIRST_FRAME)
    second = Image.new("RGB", size, SECOND_FRAME)
    out = io.BytesIO()
    first.save(out, format="MPO", save_all=True, append_images=[second])
    return out.getvalue()


def gray16_values(size=(40, 30)) -> np.ndarray:
    """Values that use all 16 bits: an 8-bit copy could not hold them."""
    width, height = size
    return (np.arange(width * height, dtype=np.uint32).reshape(height, width) * 53 + 7).astype(np.uint16)


def tiff_16bit_big_endian(values: np.ndarray) -> bytes:
    image = Image.frombytes("I;16B", (values.shape[1], values.shape[0]), values.astype(">u2").tobytes())
    out = io.BytesIO()
    image.save(out, format="TIFF")
    return out.getvalue()


def tiff_32bit_integer(values: np.ndarray) -> bytes:
    image = Image.frombytes("I", (values.shape[1], values.shape[0]), values.astype("<i4").tobytes())
    assert image.mode == "I"
    out = io.BytesIO()
    image.save(out, format="TIFF")
    return out.getvalue()


def pgm_16bit(values: np.ndarray) -> bytes:
    """A binary PGM with maxval 65535 (big-endian samples), as scanimage writes."""
    header = f"P5\n{values.shape[1]} {values.shape[0]}\n65535\n".encode()
    return header + values.astype(">u2").tobytes()


def noise_png(size=(160, 160)) -> bytes:
    """A PNG that does not compress: its size is predictable."""
    pixels = np.random.default_rng(14).integers(0, 256, size=(size[1], size[0], 3), dtype=np.uint8)
    out = io.BytesIO()
    Image.frombytes("RGB", size, pixels.tobytes()).save(out, format="PNG", compress_level=0)
    return out.getvalue()

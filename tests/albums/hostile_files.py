"""Builders for the hostile-upload suite: files that lie about what they are."""

import io
import struct
import zlib

from PIL import Image

from tests.factories import image_bytes


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png_claiming(width: int, height: int) -> bytes:
    """A tiny, well-formed PNG whose header claims a huge size (a decompression bomb's calling card)."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00" * 4096)
    return b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header) + _png_chunk(b"IDAT", pixels) + _png_chunk(b"IEND", b"")


def truncated_jpeg() -> bytes:
    whole = image_bytes("JPEG", size=(256, 256), quality=95)
    return whole[: len(whole) // 2]


SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b'<script>alert(1)</script><rect width="10" height="10"/></svg>'
)
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
TEXT = b"This is just a text file pretending to be a photo.\n"
APPENDED_HTML = b"<html><script>alert('hidden after IEND')</script></html>"


def pdf() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 32), (10, 20, 30)).save(out, format="PDF")
    assert out.getvalue().startswith(b"%PDF")
    return out.getvalue()


def png_with_html_appended() -> bytes:
    return image_bytes("PNG", size=(40, 30)) + APPENDED_HTML


GPS_LATITUDE = ((37, 1), (33, 1), (3000, 100))


def jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (48, 32), (90, 140, 200))
    exif = Image.Exif()
    exif[0x010F] = "TestCam"
    exif[0x0110] = "Model 1"
    gps = exif.get_ifd(0x8825)
    gps.update({1: "N", 2: (37.0, 33.0, 30.0), 3: "E", 4: (126.0, 58.0, 40.0)})
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif.tobytes())
    return out.getvalue()

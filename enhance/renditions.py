"""A result's other files: its display rendition and the download formats made on request.

Names derive from the result's own name, so every file of a result is found (and deleted)
without listing storage: results/7/job12-a1.png has results/7/job12-a1.view.jpg (written
with the result), .jpg and .webp (made by the worker task `enhance.tasks.prepare_download`
on first request). Decoding and encoding happen on worker hosts only."""

from __future__ import annotations

import contextlib
import io
import tempfile

from PIL import Image

DISPLAY_MAX_SIDE = 2048
DISPLAY_SUFFIX = ".view.jpg"
# A JPEG has no alpha: a result with transparency is placed on one of these (white unless the
# owner picks another). A fixed set keeps every file of a result nameable without listing storage.
BACKGROUNDS = {"white": (255, 255, 255), "black": (0, 0, 0), "grey": (128, 128, 128)}
DEFAULT_BACKGROUND = "white"
# key: (Pillow format, content type, extension). PNG is the stored result itself.
FORMATS = {
    "png": ("PNG", "image/png", "png"),
    "jpeg": ("JPEG", "image/jpeg", "jpg"),
    "webp": ("WEBP", "image/webp", "webp"),
}


def _stem(result: str) -> str:
    return result.rsplit(".", 1)[0]


def display_name(result: str) -> str:
    return _stem(result) + DISPLAY_SUFFIX


def format_name(result: str, key: str, background: str = DEFAULT_BACKGROUND) -> str:
    if key == "png":
        return result
    if key == "jpeg" and background != DEFAULT_BACKGROUND:
        return f"{_stem(result)}.on-{background}.jpg"
    return f"{_stem(result)}.{FORMATS[key][2]}"


def family(result: str) -> list[str]:
    """The result and every file that may have been made from it."""
    made = [format_name(result, key) for key in FORMATS if key != "png"]
    made += [format_name(result, "jpeg", name) for name in BACKGROUNDS if name != DEFAULT_BACKGROUND]
    return [result, display_name(result), *made]


def has_alpha(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)


def flatten(image: Image.Image, background: str = DEFAULT_BACKGROUND) -> Image.Image:
    """An RGB (or L) image for formats without alpha: transparent pixels take the background
    colour and partly transparent ones blend into it. convert("RGB") alone would show whatever
    colour the fully transparent pixels happen to hold."""
    if not has_alpha(image):
        return image if image.mode in ("RGB", "L") else image.convert("RGB")
    rgba = image.convert("RGBA")
    flat = Image.new("RGB", rgba.size, BACKGROUNDS[background])
    flat.paste(rgba, mask=rgba.getchannel("A"))
    return flat


def encode_display(image: Image.Image) -> bytes:
    """A JPEG no larger than DISPLAY_MAX_SIDE a side: what the before/after slider shows."""
    view = image.copy() if max(image.size) <= DISPLAY_MAX_SIDE else image.resize(
        _fit(image.size, DISPLAY_MAX_SIDE), Image.Resampling.LANCZOS, reducing_gap=3.0)
    view = flatten(view)
    buffer = io.BytesIO()
    view.save(buffer, "JPEG", quality=85, optimize=True)
    return buffer.getvalue()


def _fit(size: tuple[int, int], side: int) -> tuple[int, int]:
    width, height = size
    scale = side / max(width, height)
    return max(1, round(width * scale)), max(1, round(height * scale))


@contextlib.contextmanager
def trusting_pixels(pixels: int):
    """Open an image we made ourselves: Pillow's decompression-bomb guard (89 MP) protects
    against hostile uploads, not against our own results, whose size the job row records."""
    previous = Image.MAX_IMAGE_PIXELS
    if previous is not None:
        Image.MAX_IMAGE_PIXELS = max(previous, pixels + 1)
    try:
        yield
    finally:
        Image.MAX_IMAGE_PIXELS = previous


def encode_download(image: Image.Image, key: str, out, background: str = DEFAULT_BACKGROUND) -> None:
    """Encode `image` as `key` into the binary file `out`, keeping its ICC profile and EXIF."""
    pillow_format = FORMATS[key][0]
    params = {}
    if image.info.get("icc_profile"):
        params["icc_profile"] = image.info["icc_profile"]
    exif = image.getexif()
    if len(exif):
        params["exif"] = exif.tobytes()
    if key == "jpeg":
        image = flatten(image, background)
        params.update(quality=92, subsampling=0)
    else:
        params.update(quality=92, method=4)
    image.save(out, pillow_format, **params)


def make_download(storage, result: str, key: str, pixels: int, store, background: str = DEFAULT_BACKGROUND) -> str:
    """Decode the stored result once and store it as `key` next to it; returns the new name.

    `store(name, file)` writes atomically (enhance.worker.result_store.store_atomically)."""
    name = format_name(result, key, background)
    with trusting_pixels(pixels), storage.open(result, "rb") as handle:
        image = Image.open(handle)
        image.load()
    # A temporary file, not memory: a large JPEG is hundreds of megabytes.
    with tempfile.TemporaryFile() as encoded:
        encode_download(image, key, encoded, background)
        del image
        encoded.seek(0)
        store(name, encoded)
    return name

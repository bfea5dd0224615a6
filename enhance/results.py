"""Downloading a result in the original's format, PNG, JPEG or WebP, metadata kept."""

from __future__ import annotations

import io
import re

from django.utils.translation import gettext as _
from PIL import Image

FORMATS = {
    # key: (Pillow format, content type, extension)
    "png": ("PNG", "image/png", "png"),
    "jpeg": ("JPEG", "image/jpeg", "jpg"),
    "webp": ("WEBP", "image/webp", "webp"),
}
_FROM_PILLOW = {"PNG": "png", "JPEG": "jpeg", "WEBP": "webp"}


class UnknownFormat(ValueError):
    pass


def resolve_format(job, fmt: str) -> str:
    fmt = (fmt or "original").lower()
    if fmt == "jpg":
        fmt = "jpeg"
    if fmt == "original":
        return _FROM_PILLOW.get((job.photo.format or "").upper(), "png")
    if fmt not in FORMATS:
        raise UnknownFormat(_("Unknown format “%(fmt)s”: use original, png, jpeg or webp.") % {"fmt": fmt})
    return fmt


def download_name(job, fmt_key: str) -> str:
    stem = re.sub(r"[^\w.-]+", "_", str(job.photo.title or f"photo-{job.photo_id}"))[:80].strip("._") or "photo"
    return f"{stem}-{job.model}-{job.pk}.{FORMATS[fmt_key][2]}"


def render_result(job, fmt: str = "original"):
    """(bytes or an open file, content type, file name) for a succeeded job's result.

    PNG is how results are stored, so it is returned as the stored file, unconverted.
    Raises UnknownFormat (a ValueError) for a format we do not offer."""
    key = resolve_format(job, fmt)
    pillow_format, content_type, _ext = FORMATS[key]
    filename = download_name(job, key)
    if key == "png":
        return job.result.open("rb"), content_type, filename
    with job.result.open("rb") as handle:
        image = Image.open(handle)
        image.load()
    params = {}
    if image.info.get("icc_profile"):
        params["icc_profile"] = image.info["icc_profile"]
    exif = image.getexif()
    if len(exif):
        params["exif"] = exif.tobytes()
    if key == "jpeg":
        if image.mode not in ("RGB", "L"):
            image = image.convert("RGB")
        params.update(quality=92, subsampling=0)
    else:
        params.update(quality=92, method=4)
    buffer = io.BytesIO()
    image.save(buffer, pillow_format, **params)
    return buffer.getvalue(), content_type, filename

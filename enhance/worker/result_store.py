"""Writing a result file atomically, with the original's metadata, and removing leftovers.

Results are stored as PNG (lossless) plus a display rendition; other download formats
are made on first request (enhance.renditions) and removed with the result. The name
is fixed per job attempt, so the reaper can remove what a killed attempt left behind
without scanning storage."""

from __future__ import annotations

import io
import logging
import os
from dataclasses import dataclass

from django.core.files.storage import FileSystemStorage, default_storage
from PIL import Image
from PIL.ExifTags import IFD

from albums.atomic_write import PART_SUFFIX, store_atomically
from enhance.renditions import display_name, encode_display, family, has_alpha

log = logging.getLogger(__name__)

_ORIENTATION = 0x0112
_EXIF_PIXEL_X, _EXIF_PIXEL_Y = 0xA002, 0xA003


@dataclass(frozen=True)
class StoredResult:
    name: str
    width: int
    height: int
    bytes: int
    has_alpha: bool = False


def result_name(job) -> str:
    return f"results/{job.owner_id}/job{job.pk}-a{job.attempts}.png"


def carried_metadata(original: Image.Image, size: tuple[int, int], *, keep_gps: bool) -> dict:
    """Save keywords carrying the original's ICC profile and EXIF onto the result.

    Originals are stored already rotated, so the orientation tag is reset to 1; GPS
    stays only if the owner keeps it."""
    params: dict = {}
    icc = original.info.get("icc_profile")
    if icc:
        params["icc_profile"] = icc
    exif = original.getexif()
    if len(exif) or exif.get_ifd(IFD.Exif):
        if _ORIENTATION in exif:
            exif[_ORIENTATION] = 1
        if not keep_gps and IFD.GPSInfo in exif:
            del exif[IFD.GPSInfo]
        sub = exif.get_ifd(IFD.Exif)
        if _EXIF_PIXEL_X in sub:
            sub[_EXIF_PIXEL_X], sub[_EXIF_PIXEL_Y] = size
        params["exif"] = exif.tobytes()
    return params


def encode_png(image: Image.Image, metadata: dict) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG", compress_level=6, **metadata)
    return buffer.getvalue()


def write_result(job, image: Image.Image, original: Image.Image) -> StoredResult:
    """Store the result (PNG) and its display rendition under their final names.

    Other download formats are made later, on first request, by a worker task
    (enhance.renditions): the web process never decodes a result."""
    data = encode_png(image, carried_metadata(original, image.size, keep_gps=job.owner.keep_gps))
    name = result_name(job)
    store_atomically(display_name(name), encode_display(image))
    store_atomically(name, data)
    return StoredResult(name=name, width=image.width, height=image.height, bytes=len(data),
                        has_alpha=has_alpha(image))


def delete_attempt_files(job, attempt: int | None = None) -> None:
    """Remove the file (and any temporary) an attempt of `job` may have left."""
    attempt = job.attempts if attempt is None else attempt
    name = f"results/{job.owner_id}/job{job.pk}-a{attempt}.png"
    storage = default_storage
    try:
        for member in family(name):
            if isinstance(storage, FileSystemStorage):
                for path in (storage.path(member), storage.path(member) + PART_SUFFIX):
                    if os.path.exists(path):
                        os.remove(path)
            else:
                storage.delete(member)  # S3 deletes are idempotent: no existence check
    except OSError:
        log.exception("could not remove the leftovers of job %s attempt %s", job.pk, attempt)


def delete_file(name: str) -> None:
    """Remove a result and every rendition made from it."""
    if not name:
        return
    for member in family(name):
        try:
            default_storage.delete(member)
        except OSError:
            log.exception("could not remove %s", member)

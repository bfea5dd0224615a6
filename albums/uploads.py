"""The one way a photo enters the library, shared by the web upload and the REST API.

`ingest_photo` runs every upload check and either returns a saved `Photo` or raises
`UploadRejected` having left nothing behind: no row and no file.
"""

import errno
import hashlib
import logging
import uuid
from pathlib import PurePath

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils.translation import gettext as _

from albums import imaging
from albums.imaging import UploadRejected
from albums.models import Album, Photo
from albums.renditions import display_name

__all__ = ["UploadRejected", "ingest_photo", "out_of_space", "read_capped", "too_large_message"]

logger = logging.getLogger(__name__)
_CHUNK = 256 * 1024
# A full disk (or quota, or file size limit): the request is fine, the server is not.
_NO_SPACE_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}


def is_out_of_space(exc: BaseException) -> bool:
    return isinstance(exc, OSError) and exc.errno in _NO_SPACE_ERRNOS


def out_of_space() -> UploadRejected:
    return UploadRejected(_("The server has run out of storage space. Please try again later."), 507)


def too_large_message(max_bytes: int) -> str:
    return _("The file is too large: the limit is %(limit)s MB.") % {"limit": f"{max_bytes / 1_048_576:g}"}


def read_capped(uploaded_file, max_bytes: int) -> bytes:
    """Read at most `max_bytes` from the file; raise 413 as soon as it proves bigger, without reading the rest."""
    size = getattr(uploaded_file, "size", None)
    if size is not None and size > max_bytes:
        raise UploadRejected(too_large_message(max_bytes), 413)
    if hasattr(uploaded_file, "seek"):
        uploaded_file.seek(0)
    parts, total = [], 0
    while chunk := uploaded_file.read(_CHUNK):
        total += len(chunk)
        if total > max_bytes:
            raise UploadRejected(too_large_message(max_bytes), 413)
        parts.append(chunk)
    return b"".join(parts)


def ingest_photo(owner, uploaded_file, *, album: Album | None = None, title: str = "") -> Photo:
    if album is not None and album.owner_id != owner.pk:
        raise UploadRejected(_("This album does not exist."), 400)
    data = read_capped(uploaded_file, settings.UPLOAD_MAX_BYTES)
    cleaned = imaging.clean(
        data,
        max_pixels=settings.UPLOAD_MAX_PIXELS,
        keep_gps=owner.keep_gps,
        thumbnail_size=settings.THUMBNAIL_SIZE,
        display_size=settings.PHOTO_DISPLAY_MAX_SIDE,
    )
    del data
    title = (title or _title_from_filename(getattr(uploaded_file, "name", "")))[:200]
    # Every name a save was attempted for, written or not: a save that fails part-way
    # (a full disk) leaves a truncated or empty file under the name it was given.
    attempted: list[str] = []
    try:
        token = uuid.uuid4().hex
        # The client's file name never reaches storage: it could be anything.
        original = _save(f"originals/{token[:2]}/{token}.{cleaned.extension}", cleaned.data, attempted)
        thumbnail = _save(f"thumbnails/{token[:2]}/{token}.jpg", cleaned.thumbnail, attempted)
        if cleaned.display:
            _save(display_name(original), cleaned.display, attempted)
        with transaction.atomic():
            return Photo.objects.create(
                owner=owner,
                album=album,
                title=title,
                original=original,
                thumbnail=thumbnail,
                width=cleaned.width,
                height=cleaned.height,
                format=cleaned.format,
                bytes=len(cleaned.data),
                sha256=hashlib.sha256(cleaned.data).hexdigest(),
                taken_at=cleaned.taken_at,
                exif=cleaned.exif_summary,
            )
    except BaseException as exc:
        for name in attempted:
            _remove(name)
        if is_out_of_space(exc):
            logger.error("upload refused: storage is full (%s)", exc)
            raise out_of_space() from None
        raise


def _save(name: str, data: bytes, attempted: list[str]) -> str:
    attempted.append(name)
    stored = default_storage.save(name, ContentFile(data))
    if stored != name:
        attempted.append(stored)
    return stored


def _remove(name: str) -> None:
    try:
        if default_storage.exists(name):
            default_storage.delete(name)
    except Exception:  # the original error matters more than a failed clean-up
        logger.exception("could not remove %s after a failed upload", name)


def _title_from_filename(name: str) -> str:
    stem = PurePath(name.replace("\\", "/")).stem if name else ""
    return "".join(ch for ch in stem if ch.isprintable()).strip()

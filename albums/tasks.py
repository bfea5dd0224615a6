"""django-q2 tasks of the photo library; they run on worker hosts, never in a web request."""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)


def make_display(photo_id: int) -> str:
    """Make the display rendition of a photo stored before renditions existed (queued by the
    first request for it, albums.renditions.locate_display)."""
    from django.core.cache import cache
    from django.core.files.storage import default_storage
    from PIL import Image

    from albums.atomic_write import store_atomically
    from albums.imaging import make_display as encode
    from albums.models import Photo
    from albums.renditions import (
        FAILED_SECONDS,
        display_max_side,
        display_name,
        failure_key,
        pending_key,
    )

    photo = Photo.objects.filter(pk=photo_id).first()
    if photo is None:
        return "gone"
    name = display_name(photo.original.name)
    try:
        if default_storage.exists(name):
            return name
        previous = Image.MAX_IMAGE_PIXELS
        # Our own stored original, checked at upload: its size is on the row, not a bomb.
        Image.MAX_IMAGE_PIXELS = max(previous or 0, photo.width * photo.height + 1)
        try:
            with default_storage.open(photo.original.name, "rb") as handle:
                image = Image.open(handle)
                image.load()
        finally:
            Image.MAX_IMAGE_PIXELS = previous
        store_atomically(name, encode(image, display_max_side()))
    except Exception:
        log.exception("photo %s: could not make the display rendition", photo_id)
        cache.set(failure_key(name), True, FAILED_SECONDS)
        return "failed"
    finally:
        cache.delete(pending_key(name))
    # Deleted meanwhile: the new file must not outlive its photo.
    if not Photo.objects.filter(pk=photo_id).exists():
        default_storage.delete(name)
        return "gone"
    return name

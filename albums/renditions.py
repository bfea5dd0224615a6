"""An original's display rendition: a JPEG no larger than DISPLAY_MAX_SIDE a side that the
photo page and the viewer show before (and instead of) the original itself.

Made at upload (albums.uploads) for new photos. Photos stored before renditions existed get
theirs from a worker task (albums.tasks.make_display) queued by the first request for it: the
web process never decodes a large original while answering. The name derives from the
original's own name, so it is found and deleted without a database column:
originals/ab/abcd….png has originals/ab/abcd….view.jpg."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.core.files.storage import default_storage

DISPLAY_SUFFIX = ".view.jpg"
PENDING_SECONDS = 120
FAILED_SECONDS = 600
RETRY_AFTER_SECONDS = 2


class Preparing(Exception):
    """A worker is making the rendition; ask again in `retry_after` seconds."""

    retry_after = RETRY_AFTER_SECONDS


class Unavailable(Exception):
    """The rendition could not be made (the worker said so recently)."""


def display_max_side() -> int:
    return settings.PHOTO_DISPLAY_MAX_SIDE


def display_name(original: str) -> str:
    return original.rsplit(".", 1)[0] + DISPLAY_SUFFIX


def pending_key(name: str) -> str:
    return f"display-pending:{name}"


def failure_key(name: str) -> str:
    return f"display-failed:{name}"


def is_display_sized(photo) -> bool:
    """An original this small is its own display rendition: serving it costs no more."""
    return max(photo.width, photo.height) <= display_max_side()


def locate_display(photo) -> str:
    """The stored name to show for `photo` at display size.

    Raises Preparing (having queued the worker task once) while the rendition is being made,
    Unavailable when making it failed recently."""
    name = display_name(photo.original.name)
    if default_storage.exists(name):
        return name
    if is_display_sized(photo):
        return photo.original.name
    if cache.get(failure_key(name)):
        raise Unavailable
    if cache.add(pending_key(name), True, PENDING_SECONDS):
        from django_q.tasks import async_task

        async_task("albums.tasks.make_display", photo.pk, task_name=f"display-{photo.pk}")
    raise Preparing


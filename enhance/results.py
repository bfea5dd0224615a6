"""Finding a result's download in the original's format, PNG, JPEG or WebP, without decoding it here.

PNG is the stored result. Other formats are stored files made once by a worker task
(enhance.tasks.prepare_download) on first request: until it exists the caller answers
"preparing" (HTTP 202 with Retry-After), then serves the stored file like any other."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.core.cache import cache
from django.core.files.storage import default_storage
from django.utils.translation import gettext as _

from enhance.output_limits import MAX_SIDE, formats_for_size
from enhance.renditions import BACKGROUNDS, DEFAULT_BACKGROUND, FORMATS, format_name

_FROM_PILLOW = {"PNG": "png", "JPEG": "jpeg", "WEBP": "webp"}
_LABELS = {"png": "PNG", "jpeg": "JPEG", "webp": "WebP"}
RETRY_AFTER_SECONDS = 2
PENDING_SECONDS = 120


class UnknownFormat(ValueError):
    pass


class Preparing(Exception):
    """The file is being made by a worker; ask again in `retry_after` seconds."""

    retry_after = RETRY_AFTER_SECONDS


class PreparationFailed(Exception):
    pass


@dataclass(frozen=True)
class Download:
    name: str  # in default storage
    content_type: str
    filename: str


def pending_key(name: str) -> str:
    return f"download-pending:{name}"


def failure_key(name: str) -> str:
    return f"download-failed:{name}"


def offered_formats(job) -> list[str]:
    return formats_for_size(job.result_width, job.result_height)


def download_choices(job) -> list[tuple[str, str]]:
    """(format key, label) for the formats this result can be downloaded in."""
    return [(key, _LABELS[key]) for key in offered_formats(job)]


def resolve_format(job, fmt: str) -> str:
    fmt = (fmt or "original").lower()
    if fmt == "jpg":
        fmt = "jpeg"
    if fmt == "original":
        key = _FROM_PILLOW.get((job.photo.format or "").upper(), "png")
        # The original's format may not hold a result this large (WebP past 16,383 px).
        return key if key in offered_formats(job) else "png"
    if fmt not in FORMATS:
        raise UnknownFormat(_("Unknown format “%(fmt)s”: use original, png, jpeg or webp.") % {"fmt": fmt})
    if fmt not in offered_formats(job):
        raise UnknownFormat(
            _("This result is %(width)s × %(height)s pixels; %(format)s holds at most %(side)s pixels a side. "
              "Download it as PNG.")
            % {"width": job.result_width, "height": job.result_height, "format": _LABELS[fmt],
               "side": MAX_SIDE[fmt]}
        )
    return fmt


def resolve_background(background: str | None) -> str:
    background = (background or DEFAULT_BACKGROUND).lower()
    if background not in BACKGROUNDS:
        raise UnknownFormat(_("Unknown background “%(background)s”: use white, black or grey.")
                            % {"background": background})
    return background


def effective_background(job, key: str, background: str) -> str:
    """Only a JPEG of a transparent result shows its background: every other download is one
    file whatever was asked for."""
    return background if key == "jpeg" and job.result_has_alpha else DEFAULT_BACKGROUND


def download_name(job, fmt_key: str) -> str:
    stem = re.sub(r"[^\w.-]+", "_", str(job.photo.title or f"photo-{job.photo_id}"))[:80].strip("._") or "photo"
    return f"{stem}-{job.model}-{job.pk}.{FORMATS[fmt_key][2]}"


def locate_download(job, fmt: str = "original", background: str | None = None) -> Download:
    """The stored file for a succeeded job's result in `fmt`; `background` (white, black,
    grey) is what a JPEG shows where the result is transparent.

    Raises UnknownFormat (a ValueError) for a format or background we do not offer, Preparing
    while a worker makes the file, PreparationFailed when it could not."""
    key = resolve_format(job, fmt)
    background = effective_background(job, key, resolve_background(background))
    name = format_name(job.result.name, key, background)
    download = Download(name=name, content_type=FORMATS[key][1], filename=download_name(job, key))
    if key == "png" or default_storage.exists(name):
        return download
    if cache.get(failure_key(name)):
        raise PreparationFailed(_("This download could not be prepared. Download it as PNG."))
    if cache.add(pending_key(name), True, PENDING_SECONDS):
        from django_q.tasks import async_task

        async_task("enhance.tasks.prepare_download", job.pk, key, background,
                   task_name=f"download-{job.pk}-{key}-{background}")
    raise Preparing

"""What the full-screen viewer (static/viewer/viewer.js) can show on a photo page: the original
and every result, each with its display rendition, its full file and a translated caption."""

import json

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _

register = template.Library()


def viewer_sources(photo, jobs) -> list[dict]:
    """The original first, then each succeeded result with a file, newest first (`jobs` is the
    panel's list, already newest first)."""
    sources = [{
        "id": "original",
        "label": _("Original"),
        "detail": "",
        "width": photo.width,
        "height": photo.height,
        "display": reverse("photo_display", args=[photo.pk]),
        "full": reverse("photo_original", args=[photo.pk]),
    }]
    for job in jobs:
        if job.status != "succeeded" or not job.result or not job.result_width:
            continue
        sources.append({
            "id": f"job-{job.pk}",
            "label": job.model_label,
            "detail": job.options_label,
            "width": job.result_width,
            "height": job.result_height,
            "display": reverse("enhance:result_view", args=[job.pk]),
            "full": reverse("enhance:result_full", args=[job.pk]),
        })
    return sources


@register.simple_tag
def viewer_sources_json(photo, jobs):
    """The sources as JSON in a data attribute: the page's CSP and its tests allow no inline
    <script>, not even a data block."""
    return format_html('<div hidden id="viewer-sources" data-sources="{}"></div>',
                       json.dumps(viewer_sources(photo, jobs), ensure_ascii=False))

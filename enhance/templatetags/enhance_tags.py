from django import template

from enhance.choices import panel_types
from enhance.engine_text import localized_options
from enhance.models import MODEL_LABELS, Job
from enhance.notifications.models import Notification

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_notification_count(context) -> int:
    user = getattr(context.get("request"), "user", None)
    if user is None or not user.is_authenticated:
        return 0
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


@register.inclusion_tag("enhance/_photo_panel_body.html", takes_context=True)
def photo_enhance_panel(context, photo):
    request = context.get("request")
    jobs = list(Job.objects.filter(photo=photo, owner=photo.owner_id).order_by("-queued_at", "-id")[:50])
    types = panel_types()
    waifu2x = next((t["info"] for t in types if t["model"] == "waifu2x" and t["info"]), None)
    reasons, seen = [], set()
    for row in types:  # both Restoration types share one model: say why once
        if not row["available"] and row["model"] not in seen:
            seen.add(row["model"])
            reasons.append({**row, "label": MODEL_LABELS.get(row["model"], row["label"])})
    for row in types:  # this photo may be above every live worker's limit for one type of a model
        too_large = (
            row["available"] and row["model"]
            and row["info"].size_refusal(row["info"].spec.validate_options(row["options"]), photo.width, photo.height)
        )
        if too_large:
            row.update(available=False, reason=too_large)
            reasons.append(row)
    return {
        "unavailable": reasons,
        "request": request,
        "csrf_token": context.get("csrf_token"),
        "photo": photo,
        "jobs": jobs,
        "types": types,
        "waifu2x_options": localized_options("waifu2x") if waifu2x else (),
        "latest_success": next((job for job in jobs if job.status == "succeeded" and job.result), None),
    }


@register.filter
def download_choices(job) -> list[tuple[str, str]]:
    """The download formats that can hold this job's result."""
    from enhance.results import download_choices as choices

    return choices(job)

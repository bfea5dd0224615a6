from django import template

from enhance.availability import model_availability
from enhance.choices import apply_plan, panel_types, refresh_kind
from enhance.models import Job
from enhance.notifications.models import Notification

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_notification_count(context) -> int:
    user = getattr(context.get("request"), "user", None)
    if user is None or not user.is_authenticated:
        return 0
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def unavailable_models(types) -> list[dict]:
    """Each model that cannot run, once (BOPB serves two kinds, Real-ESRGAN two), with why."""
    reasons, seen = [], set()
    for row in types:
        for model in row["models"]:
            if not model["available"] and (model["id"], model["reason"]) not in seen:
                seen.add((model["id"], model["reason"]))
                reasons.append({"model": model["id"], "label": model["label"], "reason": model["reason"]})
    return reasons


@register.inclusion_tag("enhance/_photo_panel_body.html", takes_context=True)
def photo_enhance_panel(context, photo):
    request = context.get("request")
    jobs = list(Job.objects.filter(photo=photo, owner=photo.owner_id).order_by("-queued_at", "-id")[:50])
    availability = model_availability()
    types = panel_types({model_id: (entry.available, entry.reason) for model_id, entry in availability.items()})
    for row in types:  # this photo may be above every live worker's limit for one kind of a model
        for model in row["models"]:
            entry = availability[model["id"]]
            options = entry.spec.validate_options(model["preset"])
            too_large = model["available"] and entry.size_refusal(options, photo.width, photo.height)
            if too_large:
                model.update(available=False, reason=too_large)
        if row["models"]:
            refresh_kind(row)
    _apply_plan_of(request, types, photo)
    return {
        "unavailable": unavailable_models(types),
        "request": request,
        "csrf_token": context.get("csrf_token"),
        "photo": photo,
        "jobs": jobs,
        "types": types,
        "latest_success": next((job for job in jobs if job.status == "succeeded" and job.result), None),
    }


def _apply_plan_of(request, types, photo=None) -> None:
    """Pro badges and the plan's size limit on the form (enhance.choices.apply_plan)."""
    from billing.plan_notes import size_notice
    from billing.policy import plan_for

    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return
    plan = plan_for(user)
    apply_plan(types, plan, size_notice(plan, photo.width, photo.height) if photo is not None else "")


@register.inclusion_tag("enhance/_model_fields.html", takes_context=True)
def batch_model_fields(context):
    """The batch form's kinds, models and options (no "None": a batch always runs something)."""
    types = [row for row in panel_types() if row["models"]]
    _apply_plan_of(context.get("request"), types)
    runnable = [row["key"] for row in types if row["available"]]
    in_plan = [key for key in runnable if not _row(types, key).get("locked_badge")]
    initial = (in_plan or runnable or [""])[0]
    return {"types": types, "unavailable": unavailable_models(types), "prefix": "batch", "initial": initial}


def _row(types, key):
    return next(row for row in types if row["key"] == key)


@register.filter
def download_choices(job) -> list[tuple[str, str]]:
    """The download formats that can hold this job's result."""
    from enhance.results import download_choices as choices

    return choices(job)

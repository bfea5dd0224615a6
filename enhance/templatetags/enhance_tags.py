from django import template
from django.template.loader import render_to_string

from billing.policy import plan_for_request
from enhance import choices
from enhance.availability import model_availability
from enhance.choices import apply_plan, panel_types, refresh_kind
from enhance.models import Job
from enhance.notifications.models import Notification
from restoreapp.fragment_cache import fragment

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
    return {
        "model_fields": _photo_model_fields(request, photo),
        "request": request,
        "csrf_token": context.get("csrf_token"),
        "photo": photo,
        "jobs": jobs,
        "latest_success": next((job for job in jobs if job.status == "succeeded" and job.result), None),
    }


def _model_fields_html(types: list[dict], prefix: str, initial: str) -> str:
    return render_to_string("enhance/_model_fields.html", {
        "types": types, "unavailable": unavailable_models(types), "prefix": prefix, "initial": initial})


def _photo_model_fields(request, photo) -> str:
    """The photo form's kinds, models and options: what the live workers run, minus what is above
    their limits for this photo's size, with the plan's badges. Drawn once per distinct input."""
    from billing.plan_notes import size_notice

    availability = model_availability()
    # Each (model, kind) as this photo finds it: runnable, or why not (the kind's preset may
    # pick a heavier path with a lower limit, e.g. BOPB's scratch repair).
    state = {}
    for model_id, entry in availability.items():
        for use in entry.spec.uses:
            too_large = entry.available and entry.size_refusal(
                entry.spec.validate_options(dict(use.preset)), photo.width, photo.height)
            state[model_id, use.kind] = (entry.available, entry.reason, too_large or "")
    plan = plan_for_request(request)
    notice = size_notice(plan, photo.width, photo.height) if plan else ""

    def draw() -> str:
        types = panel_types({model_id: (entry.available, entry.reason) for model_id, entry in availability.items()})
        for row in types:
            for model in row["models"]:
                too_large = state[model["id"], row["key"]][2]
                if too_large:
                    model.update(available=False, reason=too_large)
            if row["models"]:
                refresh_kind(row)
        if plan:
            apply_plan(types, plan, notice)
        return _model_fields_html(types, "enhance", "none")

    return fragment(("photo_model_fields", tuple(state.items()), plan and plan.code, notice), draw)


@register.simple_tag(takes_context=True)
def batch_model_fields(context):
    """The batch form's kinds, models and options (no "None": a batch always runs something)."""
    availability = choices.availability_table()
    plan = plan_for_request(context.get("request"))

    def draw() -> str:
        types = [row for row in panel_types(availability) if row["models"]]
        if plan:
            apply_plan(types, plan)
        runnable = [row["key"] for row in types if row["available"]]
        in_plan = [key for key in runnable if not _row(types, key).get("locked_badge")]
        return _model_fields_html(types, "batch", (in_plan or runnable or [""])[0])

    return fragment(("batch_model_fields", tuple(availability.items()), plan and plan.code), draw)


def _row(types, key):
    return next(row for row in types if row["key"] == key)


@register.filter
def download_choices(job) -> list[tuple[str, str]]:
    """The download formats that can hold this job's result."""
    from enhance.results import download_choices as choices

    return choices(job)

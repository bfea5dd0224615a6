"""What a person is told about their plan where they act: the photo page's plan box, the upload
list, the option form's Pro badges and the API's photo payload. Reads billing.plans and
billing.policy only; refusing is still billing.policy's job."""

from __future__ import annotations

from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext as _

from billing.plans import PLANS, Plan, format_megapixels
from billing.policy import plan_for


def photo_above_plan(plan: Plan, width: int, height: int) -> bool:
    return (width or 0) * (height or 0) > plan.pixel_limit


def size_notice(plan: Plan, width: int, height: int) -> str:
    """Why this photo cannot be enhanced on this plan, or "" when it fits."""
    if not photo_above_plan(plan, width, height):
        return ""
    return _(
        "This photo has %(size)s megapixels; the %(plan)s plan enhances photos up to %(limit)s megapixels."
    ) % {
        "size": formats.number_format(width * height / 1_000_000, 1),
        "plan": plan.name,
        "limit": format_megapixels(plan.pixel_limit),
    }


def upgrade_plan(plan: Plan) -> Plan | None:
    """The plan to suggest to someone on `plan`: the first paid plan above it, if any."""
    better = [p for p in PLANS.values() if p.is_paid and p.priority > plan.priority]
    return min(better, key=lambda p: p.price_usd_month) if better else None


def plan_with_model(model_id: str) -> Plan | None:
    """The cheapest plan that includes a model."""
    plans = [p for p in PLANS.values() if p.allows_model(model_id)]
    return min(plans, key=lambda p: p.price_usd_month) if plans else None


def upload_notice(user, photo) -> dict:
    """For the upload list and the API: {} when the photo fits the owner's plan."""
    plan = plan_for(user)
    message = size_notice(plan, photo.width, photo.height)
    if not message:
        return {}
    return {"plan_notice": message, "upgrade_url": reverse("billing:pricing")}

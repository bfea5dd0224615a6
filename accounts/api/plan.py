"""The caller's plan, usage and limits as the API shows them (me/). Billing owns the numbers
(billing.policy.usage_summary); this module only shapes them for the API."""

from django.conf import settings

from billing import plans, policy

PLAN_CODES = tuple(plans.PLANS)


def me_payload(user) -> dict:
    summary = policy.usage_summary(user)
    return {
        "id": user.pk,
        "email": user.email,
        "plan": summary["plan"],
        "usage": {
            "jobs_this_month": summary["jobs_used"],
            "jobs_remaining": summary["jobs_left"],
            "period_start": summary["period_start"],
            "resets_on": summary["usage_resets_on"],
            "renews_at": summary["renewal_date"],
            "cancel_at_period_end": summary["cancel_at_period_end"],
        },
        "limits": {
            "jobs_per_month": summary["jobs_limit"],
            "max_pixels": summary["max_pixels"],
            "retention_days": summary["retention_days"],
            "models": summary["models"],
            "upload_max_bytes": settings.UPLOAD_MAX_BYTES,
        },
    }

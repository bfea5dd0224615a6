"""The one place that decides whether a user may run a job (model, quota, input size).

Used by enhance.services.submit() (web, API, batches) inside the transaction that
creates the Job row, and again by the worker when it claims the job.
"""

from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_noop

from billing.entitlements import entitlement, plan_for
from billing.models import MonthlyUsage, StripeSubscription
from billing.plans import Plan
from enhance.stored_text import message, render_stored
from restoreapp.request_memo import once_per_request

__all__ = [
    "Admission", "PolicyRefusal", "admit", "check_model_and_size", "entitlement_for_request", "plan_for",
    "plan_for_request", "recheck_at_claim", "refund", "usage_summary",
]


def _pricing_url() -> str:
    return reverse("billing:pricing")


class PolicyRefusal(Exception):
    """The plan does not allow this job. `reason` is shown to the user (HTTP 402) in the active
    language; `stored` is the same as a message id and parameters (enhance.stored_text), which a
    worker keeps on the job so that each reader reads it in their own language. `code` says which
    rule refused it (`model`, `size`, `quota`), for summaries of many refusals at once."""

    def __init__(self, reason: str, upgrade_url: str = "/billing/pricing/", *, stored: dict | None = None,
                 code: str = ""):
        self.stored = stored or message(reason)
        self.reason = render_stored(self.stored) if stored else reason
        self.upgrade_url = upgrade_url
        self.code = code
        super().__init__(self.reason)

    @classmethod
    def of(cls, msgid: str, *, code: str = "", **params) -> "PolicyRefusal":
        return cls("", _pricing_url(), stored=message(msgid, **params), code=code)


@dataclass(frozen=True)
class Admission:
    priority: int = 0  # higher runs first


def month_start(moment: datetime) -> date:
    local = timezone.localtime(moment)
    return local.date().replace(day=1)


def next_month_start(first_day: date) -> date:
    return date(first_day.year + 1, 1, 1) if first_day.month == 12 else date(first_day.year, first_day.month + 1, 1)


def _check_model_and_size(plan: Plan, model_id: str, width: int, height: int) -> None:
    if not plan.allows_model(model_id):
        raise PolicyRefusal.of(
            gettext_noop("The %(plan)s plan does not include %(model)s. Upgrade to use it."),
            plan={"plan": plan.code}, model={"model": model_id}, code="model",
        )
    pixels = width * height
    if pixels > plan.pixel_limit:
        raise PolicyRefusal.of(
            gettext_noop(
                "This photo has %(size)s megapixels; the %(plan)s plan accepts photos up to %(limit)s megapixels."),
            size={"number": round(pixels / 1_000_000, 1), "digits": 1},
            plan={"plan": plan.code},
            limit={"megapixels": plan.pixel_limit}, code="size",
        )


def admit(user, model_id: str, *, width: int, height: int) -> Admission:
    """Called inside the transaction that creates the Job row; counts usage atomically.

    Raises PolicyRefusal when the plan forbids the model, the quota is used up or
    the input is too large."""
    plan = plan_for(user)
    _check_model_and_size(plan, model_id, width, height)

    month = month_start(timezone.now())
    # The usage row is both the counter and the lock: the conditional UPDATE below
    # row-locks it, and a concurrent admit waits and then re-checks `jobs < limit`
    # against the committed value, so parallel submissions cannot overshoot.
    MonthlyUsage.objects.bulk_create([MonthlyUsage(user=user, month=month, jobs=0)], ignore_conflicts=True)
    counted = MonthlyUsage.objects.filter(user=user, month=month, jobs__lt=plan.jobs_per_month).update(
        jobs=F("jobs") + 1
    )
    if not counted:
        raise PolicyRefusal.of(
            gettext_noop("You have used all %(limit)s jobs of the %(plan)s plan this month. "
                         "The count starts again on %(reset)s."),
            limit=plan.jobs_per_month,
            plan={"plan": plan.code},
            reset={"date": next_month_start(month).isoformat()}, code="quota",
        )
    return Admission(priority=plan.priority)


def refund(job) -> None:
    """Give back the job counted at admit: a job canceled before it started, or one that failed
    (its input passed every check at submit, so a failure is ours, not the user's). Callers call
    it once, from the conditional UPDATE that made the job terminal, inside its transaction."""
    month = month_start(job.queued_at or timezone.now())
    MonthlyUsage.objects.filter(user_id=job.owner_id, month=month, jobs__gt=0).update(jobs=F("jobs") - 1)


def check_model_and_size(user, model_id: str, *, width: int, height: int) -> None:
    """The plan's model and input-size rules alone, counting nothing (submit asks this before
    the output-size rules, so a too-large photo hears about the photo first)."""
    _check_model_and_size(plan_for(user), model_id, width, height)


def recheck_at_claim(user, model_id: str, *, width: int, height: int) -> None:
    """Called by the worker when it claims a job (a plan may have lapsed since submit).

    Checks model and input size only: the job was already counted when it was created."""
    _check_model_and_size(plan_for(user), model_id, width, height)


def jobs_used(user, month: date | None = None) -> int:
    month = month or month_start(timezone.now())
    usage = MonthlyUsage.objects.filter(user=user, month=month).values_list("jobs", flat=True).first()
    return usage or 0


def entitlement_for_request(request) -> tuple[Plan | None, StripeSubscription | None]:
    """The signed-in person's plan and paying subscription, looked up once per request (the
    photo page's plan box and form, and the batch form, all show them); (None, None) for a
    visitor."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None, None

    return once_per_request(request, "entitlement", lambda: entitlement(user))


def plan_for_request(request) -> Plan | None:
    return entitlement_for_request(request)[0]


def usage_summary(user, known: tuple[Plan | None, StripeSubscription | None] | None = None) -> dict:
    """Plan, usage and limits for pages and the API (`me/`); `known`: the person's plan and
    paying subscription when the caller has them (`entitlement_for_request`)."""
    plan, subscription = known if known and known[0] else entitlement(user)
    month = month_start(timezone.now())
    used = jobs_used(user, month)
    return {
        "plan": plan.code,
        "plan_name": str(plan.name),
        "models": sorted(plan.models),
        "jobs_used": used,
        "jobs_limit": plan.jobs_per_month,
        "jobs_left": max(0, plan.jobs_per_month - used),
        "max_pixels": plan.pixel_limit,
        "retention_days": plan.retention_days,
        "priority": plan.priority,
        "period_start": month,
        "usage_resets_on": next_month_start(month),
        # A date (not a time) because that is what people are told: "renews on 12 March".
        "renewal_date": timezone.localdate(subscription.current_period_end)
        if subscription and subscription.current_period_end
        else None,
        "cancel_at_period_end": bool(subscription and subscription.cancel_at_period_end),
    }

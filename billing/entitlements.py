"""Which plan a person has right now, from operator grants and Stripe subscription state."""

from datetime import datetime

from django.utils import timezone

from billing.models import BillingProfile, StripeSubscription
from billing.plans import DEFAULT_PLAN, Plan, get_plan

# A subscription in one of these states gives its plan, whatever the period end says
# (the renewal event may simply not have arrived yet). `past_due` keeps it while Stripe
# retries the payment; Stripe then moves it to `unpaid` or `canceled`.
PAID_UP_STATUSES = {"active", "trialing", "past_due"}
# Every other status (`canceled`, `unpaid`, `incomplete`, `incomplete_expired`, `paused`)
# gives nothing: Stripe sends `canceled` only once the subscription has ended (one
# cancelled at period end stays `active` until then), and an immediate cancellation
# (refund, fraud, an operator) must end access at once.


def subscription_entitles(subscription: StripeSubscription, now: datetime) -> bool:
    if subscription.ended_at is not None and subscription.ended_at <= now:
        return False
    return subscription.status in PAID_UP_STATUSES and bool(subscription.plan_code)


def active_subscription(user, now: datetime | None = None) -> StripeSubscription | None:
    """The subscription that currently gives the person a paid plan, if any."""
    if not getattr(user, "is_authenticated", False):
        return None
    now = now or timezone.now()
    subscriptions = StripeSubscription.objects.filter(user=user).exclude(status="").order_by("-current_period_end")
    return next((sub for sub in subscriptions if subscription_entitles(sub, now)), None)


def _granted_plan(user, now: datetime) -> Plan | None:
    profile = BillingProfile.objects.filter(user=user).only("granted_plan", "granted_until").first()
    if not profile or not profile.granted_plan:
        return None
    if profile.granted_until is not None and profile.granted_until <= now:
        return None
    return get_plan(profile.granted_plan)


LOOK_UP = object()  # plan_for's `subscription` when the caller has not looked it up


def plan_for(user, now: datetime | None = None, subscription=LOOK_UP) -> Plan:
    """The best plan the person is entitled to now (Free when nothing else applies); pass the
    person's `active_subscription` when already known, to save the query."""
    if not getattr(user, "is_authenticated", False):
        return DEFAULT_PLAN
    now = now or timezone.now()
    candidates = [DEFAULT_PLAN]
    granted = _granted_plan(user, now)
    if granted:
        candidates.append(granted)
    if subscription is LOOK_UP:
        subscription = active_subscription(user, now)
    if subscription:
        candidates.append(get_plan(subscription.plan_code))
    return max(candidates, key=lambda plan: (plan.price_usd_month, plan.priority))

"""Which plan a person has right now, from operator grants and Stripe subscription state."""

from datetime import datetime
from operator import attrgetter

from django.contrib.auth import get_user_model
from django.utils import timezone

from billing.models import StripeSubscription
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


_SUBSCRIPTION_COLUMNS = [field.attname for field in StripeSubscription._meta.concrete_fields]


def _billing_state(user) -> tuple[str, datetime | None, list[StripeSubscription]]:
    """The operator's grant (plan code or "", until) and the subscriptions Stripe has told us
    the state of, latest period end first: one query, the person's row joined to both."""
    query = get_user_model()._default_manager.filter(pk=user.pk).values_list(
        "billing_profile__granted_plan",
        "billing_profile__granted_until",
        *(f"stripe_subscriptions__{column}" for column in _SUBSCRIPTION_COLUMNS),
    )
    rows = list(query)
    # Every row carries the grant (LEFT JOIN); a person without a subscription still has one row.
    granted_plan, granted_until = rows[0][:2] if rows else ("", None)
    subscriptions = [StripeSubscription.from_db(query.db, _SUBSCRIPTION_COLUMNS, columns)
                     for _plan, _until, *columns in rows if columns[0] is not None]
    told = [sub for sub in subscriptions if sub.status]
    # Latest period end first; those without one yet (no renewal told) after them.
    dated = sorted((sub for sub in told if sub.current_period_end), key=attrgetter("current_period_end"), reverse=True)
    return granted_plan or "", granted_until, dated + [sub for sub in told if not sub.current_period_end]


def active_subscription(user, now: datetime | None = None) -> StripeSubscription | None:
    """The subscription that currently gives the person a paid plan, if any."""
    return entitlement(user, now)[1]


def plan_for(user, now: datetime | None = None) -> Plan:
    """The best plan the person is entitled to now (Free when nothing else applies)."""
    return entitlement(user, now)[0]


def entitlement(user, now: datetime | None = None) -> tuple[Plan, StripeSubscription | None]:
    """The person's plan now and the subscription paying for it (None: no paying subscription),
    in one query; (Free, None) for a visitor."""
    if not getattr(user, "is_authenticated", False):
        return DEFAULT_PLAN, None
    now = now or timezone.now()
    granted_plan, granted_until, subscriptions = _billing_state(user)
    subscription = next((sub for sub in subscriptions if subscription_entitles(sub, now)), None)
    candidates = [DEFAULT_PLAN]
    if granted_plan and (granted_until is None or granted_until > now):
        candidates.append(get_plan(granted_plan))
    if subscription:
        candidates.append(get_plan(subscription.plan_code))
    return max(candidates, key=lambda plan: (plan.price_usd_month, plan.priority)), subscription

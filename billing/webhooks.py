"""Apply verified Stripe events to our state, exactly once per event id.

Subscription state always comes from the subscription object carried by the event,
and is applied only when the event is newer than the state already applied, so
events may arrive in any order, any number of times, and the result is the same.
"""

import logging
from datetime import UTC, datetime

from django.contrib.auth import get_user_model
from django.db import DataError, IntegrityError, transaction

from billing.event_shape import MAX_ID_LENGTH, InvalidEventShape, envelope_problem
from billing.models import BillingProfile, StripeEvent, StripeSubscription
from billing.plans import paid_plan_for_price

logger = logging.getLogger(__name__)

# Breaks ties between events created in the same second: later lifecycle stages win,
# so e.g. `created` (incomplete) and `updated` (active) in one second settle on active.
_LIFECYCLE_RANK = {
    "incomplete": 0,
    "trialing": 1,
    "active": 1,
    "paused": 1,
    "past_due": 2,
    "unpaid": 2,
    "canceled": 3,
    "incomplete_expired": 3,
}
_INVOICE_RANK = {"payment_failed": 0, "paid": 1}


# Raised by a handler reading a field of an unexpected shape (a list where a dict was
# expected, a number out of range, ...): retrying the same event can never succeed.
_SHAPE_ERRORS = (InvalidEventShape, TypeError, ValueError, KeyError, AttributeError, OverflowError, DataError)


def process_event(event: dict) -> str:
    """Store the event by id and apply it once. Returns the outcome recorded on the row.

    A signed event of an odd shape gets the outcome `invalid` (logged, answered 200: Stripe
    would retry it for days and it would never get better). Any other exception rolls
    everything back (the event row too), so Stripe's retry runs it again."""
    problem = envelope_problem(event)
    if problem:
        # Without a usable id and time the event cannot be stored or de-duplicated.
        logger.warning("Stripe event refused as invalid: %s", problem)
        return "invalid"
    with transaction.atomic():
        try:
            # A concurrent delivery of the same event waits here on the unique index
            # and, once the first one commits, lands in IntegrityError: no second effect.
            with transaction.atomic():
                row = StripeEvent.objects.create(
                    event_id=event["id"],
                    type=event["type"],
                    created=event["created"],
                    livemode=bool(event.get("livemode")),
                    payload=event,
                )
        except IntegrityError:
            return "duplicate"
        handler = HANDLERS.get(event["type"])
        outcome = _apply(handler, event) if handler else "ignored"
        row.outcome = outcome
        row.save(update_fields=["outcome"])
        return outcome


def _stripe_id(value) -> str:
    if not isinstance(value, str) or not value or len(value) > MAX_ID_LENGTH:
        raise InvalidEventShape(f"not a Stripe id: {str(value)[:40]!r}")
    return value


def _apply(handler, event: dict) -> str:
    try:
        with transaction.atomic():  # a savepoint: a half-applied odd event leaves nothing
            return handler(event)
    except _SHAPE_ERRORS as exc:
        logger.warning(
            "Stripe event %s (%s) has an odd shape and was not applied: %r", event["id"], event["type"], exc,
            exc_info=True,  # a shape we did not foresee, or a bug: the traceback tells which
        )
        return "invalid"


def _object_id(value) -> str:
    """Stripe fields may hold an id or, when expanded, the object itself."""
    if isinstance(value, dict):
        return value.get("id") or ""
    return value or ""


def _user_by_id(raw) -> object | None:
    try:
        user_id = int(raw)
    except (TypeError, ValueError):
        return None
    return get_user_model().objects.filter(pk=user_id).first()


def _user_by_customer(customer_id: str):
    if not customer_id:
        return None
    profile = BillingProfile.objects.filter(stripe_customer_id=customer_id).select_related("user").first()
    return profile.user if profile else None


def _remember_customer(user, customer_id: str) -> None:
    if not customer_id:
        return
    profile, _ = BillingProfile.objects.get_or_create(user=user)
    if not profile.stripe_customer_id:
        profile.stripe_customer_id = customer_id
        profile.save(update_fields=["stripe_customer_id"])


def _timestamp(value) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        raise InvalidEventShape(f"a timestamp is not an integer: {value!r}")
    return datetime.fromtimestamp(value, tz=UTC)  # OverflowError/ValueError past year 9999


def _metadata(obj: dict) -> dict:
    metadata = obj.get("metadata")
    if metadata is None:
        return {}
    if not isinstance(metadata, dict):
        raise InvalidEventShape(f"metadata is a {type(metadata).__name__}, not an object")
    return metadata


def _locked_subscription(stripe_id: str, user, customer_id: str) -> StripeSubscription:
    row, _ = StripeSubscription.objects.get_or_create(
        stripe_id=stripe_id, defaults={"user": user, "customer_id": customer_id}
    )
    # Concurrent events for one subscription apply one after the other.
    return StripeSubscription.objects.select_for_update().get(pk=row.pk)


def _subscription_user(subscription: dict):
    user = _user_by_id(_metadata(subscription).get("user_id"))
    if user:
        return user
    existing = StripeSubscription.objects.filter(stripe_id=subscription["id"]).select_related("user").first()
    if existing:
        return existing.user
    return _user_by_customer(_object_id(subscription.get("customer")))


def _items(subscription: dict) -> list[dict]:
    items = subscription.get("items") or {}
    return [item for item in items.get("data") or [] if isinstance(item, dict)]


def _period_end(subscription: dict) -> datetime | None:
    # Since API version 2025-03-31 the period lives on each item; older versions had it on top.
    ends = [_timestamp(item["current_period_end"]) for item in _items(subscription) if item.get("current_period_end")]
    return max(ends) if ends else _timestamp(subscription.get("current_period_end"))


def _price_id(subscription: dict) -> str:
    for item in _items(subscription):
        price = _object_id(item.get("price"))
        if price:
            return price
    return ""


def apply_subscription(event: dict) -> str:
    subscription = event["data"]["object"]
    user = _subscription_user(subscription)
    if user is None:
        logger.warning("subscription %s names no user we know; event %s ignored", subscription.get("id"), event["id"])
        return "no_user"
    customer_id = _object_id(subscription.get("customer"))
    row = _locked_subscription(_stripe_id(subscription.get("id")), user, customer_id)
    status = subscription.get("status") or ""
    incoming = (event["created"], _LIFECYCLE_RANK.get(status, 0))
    current = (row.last_event_created, _LIFECYCLE_RANK.get(row.status, 0))
    if row.status and incoming <= current:
        return "stale"

    price_id = _price_id(subscription)
    plan = paid_plan_for_price(price_id)
    if plan is None:
        # Another product on the same Stripe account: it buys nothing here. The row keeps
        # the price (the admin lists it under "unknown price") and gives no plan.
        logger.warning("Stripe subscription %s has price %r, not one of our plans' prices", row.stripe_id, price_id)
    row.customer_id = customer_id or row.customer_id
    row.status = status
    row.price_id = price_id
    row.plan_code = plan.code if plan else ""
    row.current_period_end = _period_end(subscription)
    row.ended_at = _timestamp(subscription.get("ended_at"))
    # Newer API versions may schedule the end with `cancel_at` instead of the flag.
    row.cancel_at_period_end = bool(subscription.get("cancel_at_period_end") or subscription.get("cancel_at"))
    row.last_event_created = event["created"]
    row.last_event_id = event["id"]
    row.save()
    _remember_customer(user, customer_id)
    return "applied" if plan else "unknown_price"


def _invoice_subscription(invoice: dict) -> tuple[str, dict]:
    """(subscription id, subscription metadata snapshot) of an invoice, in new and old API shapes."""
    details = ((invoice.get("parent") or {}).get("subscription_details")) or {}
    if details:
        return _object_id(details.get("subscription")), _metadata(details)
    old_details = invoice.get("subscription_details") or {}
    return _object_id(invoice.get("subscription")), _metadata(old_details)


def apply_invoice(event: dict) -> str:
    invoice = event["data"]["object"]
    subscription_id, metadata = _invoice_subscription(invoice)
    if not subscription_id:
        return "ignored"
    existing = StripeSubscription.objects.filter(stripe_id=subscription_id).select_related("user").first()
    customer_id = _object_id(invoice.get("customer"))
    user = (existing and existing.user) or _user_by_id(metadata.get("user_id")) or _user_by_customer(customer_id)
    if user is None:
        logger.warning("invoice %s: subscription %s names no user we know", invoice.get("id"), subscription_id)
        return "no_user"
    # The invoice may arrive before any subscription event: the row is created with an
    # empty status (no plan) and the subscription events fill it in.
    row = _locked_subscription(_stripe_id(subscription_id), user, customer_id)
    outcome = "paid" if event["type"] == "invoice.paid" else "payment_failed"
    incoming = (event["created"], _INVOICE_RANK[outcome])
    current = (row.last_invoice_event_created, _INVOICE_RANK.get(row.last_invoice_status, -1))
    if incoming <= current:
        return "stale"
    row.last_invoice_status = outcome
    row.last_invoice_url = invoice.get("hosted_invoice_url") or ""
    row.last_invoice_event_created = event["created"]
    row.save(update_fields=["last_invoice_status", "last_invoice_url", "last_invoice_event_created", "updated_at"])
    return "applied"


def link_checkout_customer(event: dict) -> str:
    session = event["data"]["object"]
    if session.get("mode") != "subscription":
        return "ignored"
    metadata = _metadata(session)
    user = _user_by_id(session.get("client_reference_id")) or _user_by_id(metadata.get("user_id"))
    if user is None:
        logger.warning("checkout session %s names no user we know", session.get("id"))
        return "no_user"
    _remember_customer(user, _object_id(session.get("customer")))
    return "applied"


HANDLERS = {
    "checkout.session.completed": link_checkout_customer,
    "customer.subscription.created": apply_subscription,
    "customer.subscription.updated": apply_subscription,
    "customer.subscription.deleted": apply_subscription,
    "invoice.paid": apply_invoice,
    "invoice.payment_failed": apply_invoice,
}

"""What each event does, replays, unknown types, failures, and delivery in any order."""

import itertools
import random
from datetime import UTC, datetime

import pytest

from billing import webhooks
from billing.models import BillingProfile, StripeEvent, StripeSubscription
from billing.plans import FREE, PRO
from billing.policy import plan_for
from tests.billing.conftest import load_event, post_event, set_period_end

pytestmark = pytest.mark.django_db

FUTURE = 4_000_000_000  # 2096: a paid period that has not ended
PAST = 1_700_000_000  # 2023: a paid period that is over


def test_subscription_created_then_updated_to_active_gives_pro(client, webhook_secret, user):
    assert post_event(client, load_event("customer.subscription.created", user)).json()["outcome"] == "applied"
    assert plan_for(user) == FREE  # incomplete: first payment not through yet
    updated = set_period_end(load_event("customer.subscription.updated", user), FUTURE)
    assert post_event(client, updated).json()["outcome"] == "applied"
    subscription = StripeSubscription.objects.get(stripe_id="sub_Test0001")
    assert (subscription.status, subscription.plan_code, subscription.price_id) == ("active", "pro", "price_Test_Pro")
    assert subscription.current_period_end == datetime.fromtimestamp(FUTURE, tz=UTC)
    assert subscription.customer_id == "cus_Test0001"
    assert plan_for(user) == PRO
    assert BillingProfile.objects.get(user=user).stripe_customer_id == "cus_Test0001"


def test_replayed_event_has_no_second_effect(client, webhook_secret, user):
    event = load_event("customer.subscription.updated", user)
    assert post_event(client, event).json()["outcome"] == "applied"
    # Someone changes our copy; a replay of the same event id must not touch it again.
    StripeSubscription.objects.update(status="past_due")
    for _ in range(3):
        response = post_event(client, event)
        assert response.status_code == 200
        assert response.json()["outcome"] == "duplicate"
    assert StripeEvent.objects.count() == 1
    assert StripeSubscription.objects.get().status == "past_due"


def test_older_event_arriving_late_does_not_overwrite_newer_state(client, webhook_secret, user):
    deleted = set_period_end(load_event("customer.subscription.deleted", user), PAST)
    assert post_event(client, deleted).json()["outcome"] == "applied"
    late_active = load_event("customer.subscription.updated", user)  # created earlier than the deletion
    assert post_event(client, late_active).json()["outcome"] == "stale"
    assert StripeSubscription.objects.get().status == "canceled"
    assert plan_for(user) == FREE
    assert StripeEvent.objects.get(event_id=late_active["id"]).outcome == "stale"


def test_same_second_events_settle_on_the_later_lifecycle_stage(client, webhook_secret, user):
    created = load_event("customer.subscription.created", user, created=1795000001)
    updated = load_event("customer.subscription.updated", user, created=1795000001)
    post_event(client, updated)
    post_event(client, created)
    assert StripeSubscription.objects.get().status == "active"


@pytest.mark.parametrize("scheduled_end", [{"cancel_at_period_end": True}, {"cancel_at": FUTURE}])
def test_a_scheduled_cancellation_is_shown_as_ending(client, webhook_secret, user, scheduled_end):
    event = set_period_end(load_event("customer.subscription.updated", user, **scheduled_end), FUTURE)
    post_event(client, event)
    assert StripeSubscription.objects.get().cancel_at_period_end is True
    assert plan_for(user) == PRO


def test_canceled_subscription_ends_pro_at_once_even_inside_the_paid_period(client, webhook_secret, user):
    # Stripe sends `deleted` (status canceled) when the subscription has ended: a refund,
    # fraud or an operator's immediate cancellation must not leave the rest of the month.
    post_event(client, set_period_end(load_event("customer.subscription.updated", user), FUTURE))
    assert plan_for(user) == PRO
    post_event(client, set_period_end(load_event("customer.subscription.deleted", user), FUTURE))
    assert StripeSubscription.objects.get().status == "canceled"
    assert plan_for(user) == FREE


def test_invoice_events_record_the_latest_invoice_without_changing_the_plan(client, webhook_secret, user):
    # The invoice can arrive before any subscription event: a placeholder row gives no plan.
    assert post_event(client, load_event("invoice.payment_failed", user)).json()["outcome"] == "applied"
    subscription = StripeSubscription.objects.get()
    assert (subscription.status, subscription.last_invoice_status) == ("", "payment_failed")
    assert subscription.last_invoice_url.startswith("https://invoice.stripe.com/")
    assert plan_for(user) == FREE
    assert post_event(client, load_event("invoice.paid", user)).json()["outcome"] == "applied"
    assert StripeSubscription.objects.get().last_invoice_status == "paid"
    # The subscription event fills the placeholder in.
    post_event(client, set_period_end(load_event("customer.subscription.updated", user), FUTURE))
    subscription = StripeSubscription.objects.get()
    assert (subscription.status, subscription.last_invoice_status) == ("active", "paid")
    assert plan_for(user) == PRO


def test_older_invoice_event_does_not_replace_a_newer_one(client, webhook_secret, user):
    post_event(client, load_event("invoice.paid", user))  # created 1795000004
    assert post_event(client, load_event("invoice.payment_failed", user)).json()["outcome"] == "stale"
    assert StripeSubscription.objects.get().last_invoice_status == "paid"


def test_subscription_naming_an_unknown_user_is_stored_and_ignored(client, webhook_secret, user):
    event = load_event("customer.subscription.updated", user)
    event["data"]["object"]["metadata"] = {"user_id": "999999"}
    assert post_event(client, event).json()["outcome"] == "no_user"
    assert not StripeSubscription.objects.exists()


def test_subscription_without_metadata_is_matched_by_its_customer(client, webhook_secret, user):
    BillingProfile.objects.create(user=user, stripe_customer_id="cus_Test0001")
    event = load_event("customer.subscription.updated", user)
    event["data"]["object"]["metadata"] = {}
    assert post_event(client, event).json()["outcome"] == "applied"
    assert StripeSubscription.objects.get().user == user


def test_unknown_event_type_is_answered_200_and_ignored(client, webhook_secret, user):
    event = load_event("invoice.paid", user, id="evt_unknown_type_1")
    event["type"] = "customer.tax_id.created"
    response = post_event(client, event)
    assert response.status_code == 200
    assert response.json()["outcome"] == "ignored"
    assert StripeEvent.objects.get().outcome == "ignored"
    assert not StripeSubscription.objects.exists()


def test_a_failing_handler_rolls_back_and_answers_500_so_stripe_retries(client, webhook_secret, user, monkeypatch):
    event = load_event("customer.subscription.updated", user)
    real_handler = webhooks.HANDLERS[event["type"]]

    def fail_after_writing(evt):
        real_handler(evt)  # writes the subscription row...
        raise RuntimeError("database went away")  # ...then fails

    monkeypatch.setitem(webhooks.HANDLERS, event["type"], fail_after_writing)
    response = post_event(client, event)
    assert response.status_code == 500
    assert not StripeEvent.objects.exists()
    assert not StripeSubscription.objects.exists()

    monkeypatch.setitem(webhooks.HANDLERS, event["type"], real_handler)
    assert post_event(client, event).json()["outcome"] == "applied"  # Stripe's retry goes through
    assert plan_for(user) == PRO


def _lifecycle(user, final_period_end):
    """Created (incomplete) -> active -> past_due -> canceled, as Stripe would send it."""
    created = load_event("customer.subscription.created", user, created=1795000001)
    active = set_period_end(load_event("customer.subscription.updated", user, created=1795000005), FUTURE)
    past_due = set_period_end(
        load_event("customer.subscription.updated", user, id="evt_1QsubPastDue0001", created=1797700000,
                   status="past_due"),
        FUTURE,
    )
    canceled = set_period_end(load_event("customer.subscription.deleted", user, created=1798900000), final_period_end)
    paid = load_event("invoice.paid", user)
    failed = load_event("invoice.payment_failed", user, id="evt_1QinvoiceFailed02", created=1797700001)
    return [created, active, past_due, canceled, paid, failed]


# A cancellation ends the plan whatever the period end (Stripe sends it when the subscription has ended).
@pytest.mark.parametrize(("final_period_end", "expected"), [(PAST, FREE), (FUTURE, FREE)])
def test_every_delivery_order_converges_on_the_same_final_plan(client, webhook_secret, make_user,
                                                              final_period_end, expected):
    orders = list(itertools.permutations(range(6)))
    random.Random(6).shuffle(orders)
    for number, order in enumerate(orders[:40]):
        person = make_user()
        events = _lifecycle(person, final_period_end)
        for event in events:
            event["id"] = f"{event['id']}_{number}"
            event["data"]["object"]["id"] = event["data"]["object"]["id"] if event["type"].startswith("invoice") \
                else f"sub_Order{number}"
            if event["type"].startswith("invoice"):
                event["data"]["object"]["parent"]["subscription_details"]["subscription"] = f"sub_Order{number}"
        for index in order:
            assert post_event(client, events[index]).status_code == 200
        subscription = StripeSubscription.objects.get(stripe_id=f"sub_Order{number}")
        assert subscription.status == "canceled", order
        assert subscription.last_invoice_status == "payment_failed", order
        assert plan_for(person) == expected, order


def test_checkout_completed_for_a_payment_mode_session_is_ignored(client, webhook_secret, user):
    event = load_event("checkout.session.completed", user, mode="payment")
    assert post_event(client, event).json()["outcome"] == "ignored"
    assert not BillingProfile.objects.exists()

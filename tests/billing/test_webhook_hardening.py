"""Signed events that must not leak money or crash the endpoint (issue 14, billing)."""

import json
import time

import pytest

from billing.models import StripeEvent, StripeSubscription
from billing.plans import FREE, PRO
from billing.policy import plan_for
from tests.billing.conftest import load_event, post_event, set_period_end

pytestmark = pytest.mark.django_db

FUTURE = 4_000_000_000
PAST = 1_700_000_000


def _with_price(event: dict, price_id: str) -> dict:
    for item in event["data"]["object"]["items"]["data"]:
        item["price"]["id"] = price_id
        if "plan" in item and isinstance(item["plan"], dict):
            item["plan"]["id"] = price_id
    return event


def test_a_subscription_to_another_price_grants_nothing_and_shows_in_the_admin(
    client, webhook_secret, user, make_user, caplog
):
    event = set_period_end(_with_price(load_event("customer.subscription.updated", user), "price_OtherProduct"), FUTURE)
    response = post_event(client, event)
    assert response.status_code == 200
    assert response.json()["outcome"] == "unknown_price"
    row = StripeSubscription.objects.get()
    assert (row.status, row.price_id, row.plan_code) == ("active", "price_OtherProduct", "")
    assert plan_for(user) == FREE
    assert "price_OtherProduct" in caplog.text
    staff = make_user("ops@example.com", is_staff=True, is_superuser=True)
    client.force_login(staff)
    page = client.get("/admin/billing/stripesubscription/?price=unknown")
    assert page.status_code == 200
    assert "unknown price price_OtherProduct" in page.content.decode()


@pytest.mark.parametrize(
    ("status", "plan"),
    [("canceled", FREE), ("incomplete_expired", FREE), ("unpaid", FREE), ("past_due", PRO), ("active", PRO)],
)
def test_only_live_statuses_give_the_plan_whatever_the_period_end(client, webhook_secret, user, status, plan):
    event = set_period_end(load_event("customer.subscription.updated", user, status=status, ended_at=None), FUTURE)
    post_event(client, event)
    assert plan_for(user) == plan


def test_past_due_keeps_pro_while_stripe_retries_even_past_the_period_end(client, webhook_secret, user):
    post_event(client, set_period_end(load_event("customer.subscription.updated", user, status="past_due"), PAST))
    assert plan_for(user) == PRO


def test_an_ended_subscription_gives_nothing_whatever_its_status_says(client, webhook_secret, user):
    event = set_period_end(load_event("customer.subscription.updated", user, ended_at=PAST), FUTURE)
    assert event["data"]["object"]["status"] == "active"
    post_event(client, event)
    assert StripeSubscription.objects.get().ended_at is not None
    assert plan_for(user) == FREE


def _odd(user, **changes):
    event = load_event("customer.subscription.updated", user)
    for path, value in changes.items():
        target = event
        *parents, last = path.split("__")
        for key in parents:
            target = target[key] if not isinstance(target, list) else target[int(key)]
        if value is KeyError:
            target.pop(last)
        else:
            target[last] = value
    return event


ODD_SHAPES = [
    pytest.param({"id": KeyError}, False, id="missing-id"),
    pytest.param({"id": "evt_" + "x" * 296}, False, id="300-character-id"),
    pytest.param({"created": 2**63 + 5}, False, id="created-past-2^63"),
    pytest.param({"created": "yesterday"}, False, id="created-a-string"),
    pytest.param({"data__object__metadata": ["user_id", "1"]}, True, id="metadata-a-list"),
    pytest.param({"data__object__metadata": "user_id=1"}, True, id="metadata-a-string"),
    pytest.param({"data__object__items__data__0__current_period_end": "soon"}, True, id="period-end-a-string"),
    pytest.param({"data__object__items__data__0__current_period_end": 1.5e9}, True, id="period-end-a-float"),
    pytest.param({"data__object__items__data__0__current_period_end": 10**15}, True, id="period-end-past-year-9999"),
    pytest.param({"data__object__id": "sub_" + "y" * 296}, True, id="300-character-subscription-id"),
    pytest.param({"data__object__ended_at": "now"}, True, id="ended-at-a-string"),
]


@pytest.mark.parametrize(("changes", "stored"), ODD_SHAPES)
def test_signed_event_of_an_odd_shape_is_answered_200_invalid_and_logged(
    client, webhook_secret, user, caplog, changes, stored
):
    response = post_event(client, _odd(user, **changes))
    assert response.status_code == 200
    assert response.json()["outcome"] == "invalid"
    assert "not applied" in caplog.text or "invalid" in caplog.text
    assert plan_for(user) == FREE
    assert not StripeSubscription.objects.exists()
    assert list(StripeEvent.objects.values_list("outcome", flat=True)) == (["invalid"] if stored else [])


@pytest.mark.parametrize(
    "body",
    [b"[1, 2, 3]", b'"evt"', b"{}", b'{"id": "evt_1", "type": "x", "created": 1, "data": []}', b"not json"],
    ids=["list", "string", "empty-object", "data-a-list", "not-json"],
)
def test_a_signed_body_that_is_not_an_event_is_400(client, webhook_secret, body):
    assert post_event(client, body).status_code == 400
    assert not StripeEvent.objects.exists()


def test_signature_dated_more_than_300_s_ahead_is_refused(client, webhook_secret, user):
    event = load_event("customer.subscription.updated", user)
    far = post_event(client, event, timestamp=int(time.time()) + 3600)
    assert far.status_code == 400
    assert "future" in far.content.decode()
    assert not StripeEvent.objects.exists()
    near = post_event(client, event, timestamp=int(time.time()) + 120)  # clock skew is fine
    assert near.status_code == 200


def test_the_fixture_payloads_stay_valid(client, webhook_secret, user):
    # The odd-shape cases above change one field of this event; unchanged, it applies.
    event = json.loads(json.dumps(load_event("customer.subscription.updated", user)))
    assert post_event(client, event).json()["outcome"] == "applied"

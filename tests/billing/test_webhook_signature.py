"""Only events signed with our endpoint secret, within 300 s, are accepted; refused ones leave no row."""

import json
import time

import pytest

from billing.models import BillingProfile, StripeEvent
from tests.billing.conftest import load_event, post_event, sign

pytestmark = pytest.mark.django_db


@pytest.fixture
def checkout_event(user):
    return load_event("checkout.session.completed", user)


def test_valid_signature_is_accepted_stored_and_applied(client, webhook_secret, user, checkout_event):
    response = post_event(client, checkout_event)
    assert response.status_code == 200
    assert response.json() == {"received": True, "outcome": "applied"}
    stored = StripeEvent.objects.get()
    assert (stored.event_id, stored.type, stored.created) == (checkout_event["id"], checkout_event["type"], 1795000000)
    assert BillingProfile.objects.get(user=user).stripe_customer_id == "cus_Test0001"


def test_wrong_secret_is_refused(client, webhook_secret, checkout_event):
    response = post_event(client, checkout_event, secret="whsec_someone_else")
    assert response.status_code == 400
    assert "signature" in response.content.decode()
    assert not StripeEvent.objects.exists()
    assert not BillingProfile.objects.exists()


def test_one_changed_byte_is_refused(client, webhook_secret, checkout_event):
    payload = json.dumps(checkout_event).encode()
    header = sign(payload)
    tampered = payload.replace(b'"cus_Test0001"', b'"cus_Test0002"', 1)
    assert len(tampered) == len(payload) and sum(a != b for a, b in zip(tampered, payload, strict=True)) == 1
    response = post_event(client, tampered, header=header)
    assert response.status_code == 400
    assert not StripeEvent.objects.exists()


def test_signature_301_seconds_old_is_refused(client, webhook_secret, checkout_event):
    response = post_event(client, checkout_event, timestamp=int(time.time()) - 301)
    assert response.status_code == 400
    assert "tolerance" in response.content.decode()
    assert not StripeEvent.objects.exists()


def test_signature_299_seconds_old_is_still_accepted(client, webhook_secret, checkout_event):
    assert post_event(client, checkout_event, timestamp=int(time.time()) - 299).status_code == 200


@pytest.mark.parametrize("header", ["", "garbage", "t=notanumber,v1=abc", "t=1795000000"])
def test_missing_or_malformed_header_is_refused(client, webhook_secret, checkout_event, header):
    assert post_event(client, checkout_event, header=header).status_code == 400
    assert not StripeEvent.objects.exists()


def test_signed_body_that_is_not_an_event_is_refused(client, webhook_secret):
    for body in (b"not json", b"[1, 2]", b'{"id": "evt_1", "type": "x"}'):
        response = post_event(client, body)
        assert response.status_code == 400, body
    assert not StripeEvent.objects.exists()


def test_without_a_configured_secret_nothing_is_accepted(client, settings, checkout_event):
    settings.STRIPE_WEBHOOK_SECRET = ""
    response = post_event(client, checkout_event, secret="")
    assert response.status_code == 400
    assert "not configured" in response.content.decode()
    assert not StripeEvent.objects.exists()


def test_get_is_not_allowed(client, webhook_secret):
    assert client.get("/billing/webhook/").status_code == 405

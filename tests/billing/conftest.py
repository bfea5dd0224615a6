"""Shared helpers for the billing tests: people, Stripe event fixtures, and signing.

Signatures are computed here independently of the SDK, with Stripe's documented
scheme (header `t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`), so a test
fails if our verification stops matching what Stripe actually sends."""

import copy
import hashlib
import hmac
import json
import time
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from billing.models import StripeSubscription

FIXTURES = Path(__file__).parent / "fixtures"
WEBHOOK_SECRET = "whsec_test_billing_secret_0123456789"
WEBHOOK_URL = "/billing/webhook/"


def load_event(event_type: str, user=None, **changes) -> dict:
    """A fixture event with `__USER_ID__` filled in and top-level/`data.object` fields changed."""
    raw = (FIXTURES / f"{event_type}.json").read_text()
    if user is not None:
        raw = raw.replace("__USER_ID__", str(user.pk))
    event = json.loads(raw)
    for key, value in changes.items():
        if key in ("id", "created"):
            event[key] = value
        else:
            event["data"]["object"][key] = value
    return event


def set_period_end(event: dict, period_end: int) -> dict:
    event = copy.deepcopy(event)
    for item in event["data"]["object"]["items"]["data"]:
        item["current_period_end"] = period_end
    return event


def sign(payload: bytes, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> str:
    timestamp = int(time.time()) if timestamp is None else timestamp
    signed = f"{timestamp}.".encode() + payload
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def post_event(client: Client, event: dict | bytes, *, secret: str = WEBHOOK_SECRET, timestamp=None, header=None):
    payload = event if isinstance(event, bytes) else json.dumps(event).encode()
    signature = sign(payload, secret, timestamp) if header is None else header
    return client.post(WEBHOOK_URL, data=payload, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature)


@pytest.fixture
def webhook_secret(settings):
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.STRIPE_PRICE_PRO = "price_Test_Pro"
    return WEBHOOK_SECRET


@pytest.fixture
def make_user(db, settings):
    # Argon2 on every made-up person would dominate the run time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    counter = iter(range(1, 10_000))

    def make(email=None, **extra):
        return get_user_model().objects.create_user(
            email=email or f"person{next(counter)}@example.com", password="a-long-password-1", **extra
        )

    return make


@pytest.fixture
def user(make_user):
    return make_user("payer@example.com")


def make_subscription(user, status="active", period_end=None, stripe_id="sub_Manual0001", **extra):
    return StripeSubscription.objects.create(
        stripe_id=stripe_id, user=user, status=status, plan_code="pro", current_period_end=period_end, **extra
    )

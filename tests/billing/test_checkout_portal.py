"""Checkout and Customer Portal through the real SDK with its HTTP layer replaced by a recorder.

The recorder answers like Stripe's API and refuses anything else, so no request can
reach the network; the tests assert the exact form parameters the SDK sent."""

import json
from urllib.parse import parse_qs

import pytest
import stripe

from billing import stripe_client
from billing.models import BillingProfile
from tests.billing.conftest import make_subscription

pytestmark = pytest.mark.django_db

CHECKOUT_URL = "https://checkout.stripe.com/c/pay/cs_test_recorded"
PORTAL_URL = "https://billing.stripe.com/p/session/test_recorded"


class RecordingHTTPClient(stripe.HTTPClient):
    name = "recording"

    def __init__(self, status=200, body=None):
        super().__init__()
        self.requests = []
        self.status = status
        self.body = body

    def request(self, method, url, headers, post_data=None, *, _usage=None):
        self.requests.append({"method": method, "url": url, "headers": dict(headers or {}), "data": post_data})
        if self.body is not None:
            return json.dumps(self.body), self.status, {}
        if url == "https://api.stripe.com/v1/checkout/sessions":
            return json.dumps({"id": "cs_test_recorded", "object": "checkout.session", "url": CHECKOUT_URL}), 200, {}
        if url == "https://api.stripe.com/v1/billing_portal/sessions":
            body = {"id": "bps_test_recorded", "object": "billing_portal.session", "url": PORTAL_URL}
            return json.dumps(body), 200, {}
        raise AssertionError(f"unexpected Stripe call {method} {url}")

    def close(self):
        pass

    def params(self, index=0) -> dict:
        return {key: values[0] for key, values in parse_qs(self.requests[index]["data"], strict_parsing=True).items()}


@pytest.fixture
def stripe_keys(settings):
    settings.STRIPE_SECRET_KEY = "sk_test_recorded"
    settings.STRIPE_PRICE_PRO = "price_Test_Pro"
    settings.SITE_URL = "https://restore.example"


@pytest.fixture
def recorder(monkeypatch):
    fake = RecordingHTTPClient()
    monkeypatch.setattr(stripe, "default_http_client", fake)
    return fake


def test_checkout_sends_a_subscription_session_for_the_pro_price(client, user, stripe_keys, recorder):
    client.force_login(user)
    response = client.post("/billing/checkout/", {"plan": "pro"})
    assert response.status_code == 302
    assert response["Location"] == CHECKOUT_URL
    assert len(recorder.requests) == 1
    sent = recorder.requests[0]
    assert (sent["method"], sent["url"]) == ("post", "https://api.stripe.com/v1/checkout/sessions")
    assert sent["headers"]["Authorization"] == "Bearer sk_test_recorded"
    assert recorder.params() == {
        "mode": "subscription",
        "line_items[0][price]": "price_Test_Pro",
        "line_items[0][quantity]": "1",
        "client_reference_id": str(user.pk),
        "subscription_data[metadata][user_id]": str(user.pk),
        "metadata[user_id]": str(user.pk),
        "success_url": "https://restore.example/billing/checkout/success/?session_id={CHECKOUT_SESSION_ID}",
        "cancel_url": "https://restore.example/billing/checkout/cancel/",
        "customer_email": "payer@example.com",
    }


def test_checkout_reuses_a_known_customer(client, user, stripe_keys, recorder):
    BillingProfile.objects.create(user=user, stripe_customer_id="cus_Known")
    client.force_login(user)
    client.post("/billing/checkout/", {"plan": "pro"})
    params = recorder.params()
    assert params["customer"] == "cus_Known"
    assert "customer_email" not in params


def test_checkout_is_refused_without_stripe_keys_and_calls_nothing(client, user, settings, recorder):
    settings.STRIPE_SECRET_KEY = ""
    client.force_login(user)
    response = client.post("/billing/checkout/", {"plan": "pro"}, follow=True)
    assert response.redirect_chain[-1][0] == "/billing/pricing/"
    assert "not configured" in response.content.decode()
    assert recorder.requests == []


def test_checkout_of_the_free_plan_is_refused(client, user, stripe_keys, recorder):
    client.force_login(user)
    response = client.post("/billing/checkout/", {"plan": "free"}, follow=True)
    assert "cannot be bought online" in response.content.decode()
    assert recorder.requests == []


def test_pro_subscriber_is_sent_to_the_billing_page_instead_of_a_second_checkout(client, user, stripe_keys, recorder):
    make_subscription(user, "active")
    client.force_login(user)
    response = client.post("/billing/checkout/", {"plan": "pro"})
    assert response["Location"] == "/billing/account/"
    assert recorder.requests == []


def test_a_stripe_error_is_a_message_not_a_500(client, user, stripe_keys, monkeypatch):
    failing = RecordingHTTPClient(
        status=400, body={"error": {"type": "invalid_request_error", "message": "No such price: 'price_Test_Pro'"}}
    )
    monkeypatch.setattr(stripe, "default_http_client", failing)
    client.force_login(user)
    response = client.post("/billing/checkout/", {"plan": "pro"}, follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == "/billing/pricing/"
    assert "Nothing was charged" in response.content.decode()


def test_checkout_needs_login_and_post(client, stripe_keys, recorder, user):
    assert client.post("/billing/checkout/", {"plan": "pro"})["Location"].startswith("/accounts/login/")
    client.force_login(user)
    assert client.get("/billing/checkout/").status_code == 405
    assert recorder.requests == []


def test_portal_session_for_the_customer_returns_to_the_billing_page(client, user, stripe_keys, recorder):
    BillingProfile.objects.create(user=user, stripe_customer_id="cus_Known")
    client.force_login(user)
    response = client.post("/billing/portal/")
    assert response["Location"] == PORTAL_URL
    sent = recorder.requests[0]
    assert (sent["method"], sent["url"]) == ("post", "https://api.stripe.com/v1/billing_portal/sessions")
    assert recorder.params() == {"customer": "cus_Known", "return_url": "https://restore.example/billing/account/"}


def test_portal_without_a_customer_explains_instead_of_calling_stripe(client, user, stripe_keys, recorder):
    client.force_login(user)
    response = client.post("/billing/portal/", follow=True)
    assert "no online billing account" in response.content.decode()
    assert recorder.requests == []


def test_client_functions_refuse_without_a_secret_key(settings):
    settings.STRIPE_SECRET_KEY = ""
    with pytest.raises(stripe_client.BillingNotConfigured):
        stripe_client.create_portal_session(customer_id="cus_x", return_url="https://x")

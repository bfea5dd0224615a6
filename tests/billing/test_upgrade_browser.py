"""Upgrading in a real browser: pricing -> Checkout (Stripe's API answered by the recorder)
-> success page -> Stripe's signed webhook over real HTTP -> Pro on the billing page."""

import json

import pytest
import stripe

from tests.billing.conftest import WEBHOOK_URL, load_event, set_period_end, sign
from tests.billing.test_checkout_portal import RecordingHTTPClient
from tests.browser.fixtures import login
from tests.factories import make_user

pytestmark = [pytest.mark.slow, pytest.mark.browser]


def test_free_user_upgrades_to_pro_and_sees_it_on_the_billing_page(
    page, live_server, transactional_db, settings, monkeypatch, webhook_secret, artifacts_dir
):
    settings.STRIPE_SECRET_KEY = "sk_test_browser"
    settings.SITE_URL = live_server.url
    stripe_api = RecordingHTTPClient(
        body={
            "id": "cs_test_browser",
            "object": "checkout.session",
            # Stands in for checkout.stripe.com, which the test machine cannot reach.
            "url": f"{live_server.url}/billing/checkout/success/?session_id=cs_test_browser",
        }
    )
    monkeypatch.setattr(stripe, "default_http_client", stripe_api)
    person = make_user("upgrader@example.com")
    login(page, live_server, person.email)

    page.goto(f"{live_server.url}/billing/account/")
    assert page.locator("h2", has_text="Your plan: Free").is_visible()
    page.goto(f"{live_server.url}/billing/pricing/")
    page.screenshot(path=str(artifacts_dir / "billing-pricing-free.png"), full_page=True)
    page.click("text=Upgrade to Pro")
    page.wait_for_url("**/billing/checkout/success/**")
    assert "Your plan changes as soon as Stripe confirms it" in page.inner_text("main")
    assert stripe_api.params()["client_reference_id"] == str(person.pk)

    event = set_period_end(load_event("customer.subscription.updated", person), 4_000_000_000)
    payload = json.dumps(event).encode()
    answer = page.request.post(
        f"{live_server.url}{WEBHOOK_URL}",
        data=payload,
        headers={"Content-Type": "application/json", "Stripe-Signature": sign(payload)},
    )
    assert answer.status == 200 and answer.json()["outcome"] == "applied"

    page.reload()
    assert "You are on the Pro plan now." in page.inner_text("main")
    page.click("main >> text=Billing and usage")
    assert page.locator("h2", has_text="Your plan: Pro").is_visible()
    assert page.get_attribute(".progress", "aria-valuemax") == "1000"
    assert page.locator("nav >> text=Billing").is_visible()
    page.screenshot(path=str(artifacts_dir / "billing-account-pro.png"), full_page=True)

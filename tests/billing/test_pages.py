"""The pricing page, the account billing page and the top-bar link."""

from datetime import timedelta

import pytest
from django.utils import timezone

from billing import policy
from billing.models import BillingProfile, MonthlyUsage
from tests.billing.conftest import make_subscription

pytestmark = pytest.mark.django_db


def test_pricing_without_stripe_keys_says_billing_is_not_configured(client, settings):
    settings.STRIPE_SECRET_KEY = ""
    page = client.get("/billing/pricing/").content.decode()
    assert "Online billing is not configured on this site" in page
    assert "Upgrade to" not in page
    # Every plan and its limits come from the plan table.
    for fragment in ("Free", "Pro", "0 USD / month", "5 USD / month", "30 jobs a month", "1,000 jobs a month",
                     "Photos up to 4 megapixels", "Photos up to 40 megapixels", "Results kept 30 days",
                     "Results kept until you delete them", "Your jobs run ahead of Free jobs"):
        assert fragment in page, fragment


def test_pricing_follows_the_plan_table(client, settings, monkeypatch):
    from billing import plans

    cheaper = plans.Plan(**{**plans.FREE.__dict__, "jobs_per_month": 55})
    monkeypatch.setitem(plans.PLANS, "free", cheaper)
    page = client.get("/billing/pricing/").content.decode()
    assert "55 jobs a month" in page and "30 jobs a month" not in page


def test_pricing_offers_checkout_to_a_free_user_when_stripe_is_configured(client, settings, user):
    settings.STRIPE_SECRET_KEY = "sk_test_x"
    settings.STRIPE_PRICE_PRO = "price_Test_Pro"
    client.force_login(user)
    page = client.get("/billing/pricing/").content.decode()
    assert 'action="/billing/checkout/"' in page and 'value="pro"' in page
    assert "Upgrade to Pro" in page


def test_pricing_for_anonymous_visitors_asks_them_to_log_in(client, settings):
    settings.STRIPE_SECRET_KEY = "sk_test_x"
    settings.STRIPE_PRICE_PRO = "price_Test_Pro"
    page = client.get("/billing/pricing/").content.decode()
    assert "Log in to upgrade" in page
    assert 'href="/billing/pricing/">Pricing</a>' in page  # top-bar link for visitors


def test_account_page_shows_plan_usage_bar_and_reset_date(client, user):
    MonthlyUsage.objects.create(user=user, month=policy.month_start(timezone.now()), jobs=12)
    client.force_login(user)
    page = client.get("/billing/account/").content.decode()
    assert "Your plan: Free" in page
    assert 'aria-valuenow="12"' in page and 'aria-valuemax="30"' in page
    assert 'data-width="40"' in page  # applied by static/js/site.js (the CSP refuses style attributes)
    assert "12 of 30 used" in page
    assert 'href="/billing/account/">Billing</a>' in page  # top-bar link for people logged in
    assert 'action="/billing/portal/"' not in page  # no Stripe customer yet


def test_account_page_for_a_subscriber_shows_renewal_portal_and_invoice(client, user, settings):
    settings.STRIPE_SECRET_KEY = "sk_test_x"
    BillingProfile.objects.create(user=user, stripe_customer_id="cus_Known")
    period_end = timezone.now() + timedelta(days=17)
    make_subscription(user, "active", period_end, last_invoice_status="paid",
                      last_invoice_url="https://invoice.stripe.com/i/acct_Test/test_abc")
    client.force_login(user)
    page = client.get("/billing/account/").content.decode()
    assert "Your plan: Pro" in page
    assert "Renews on" in page
    assert 'action="/billing/portal/"' in page
    assert "https://invoice.stripe.com/i/acct_Test/test_abc" in page
    assert 'aria-valuemax="1000"' in page


def test_account_page_says_when_a_cancelled_plan_ends(client, user):
    make_subscription(user, "active", timezone.now() + timedelta(days=5), cancel_at_period_end=True)
    client.force_login(user)
    page = client.get("/billing/account/").content.decode()
    assert "Cancelled: your plan ends on" in page and "then you are on the Free plan" in page
    assert "Renews on" not in page


def test_account_page_warns_when_payment_failed(client, user):
    make_subscription(user, "past_due", timezone.now() + timedelta(days=2))
    client.force_login(user)
    page = client.get("/billing/account/").content.decode()
    assert "Your plan: Pro" in page
    assert "last payment did not go through" in page
    assert "Stripe is trying again" in page and "moved to the Free plan" in page


def test_a_payment_retried_past_the_period_end_still_keeps_pro(client, user):
    make_subscription(user, "past_due", timezone.now() - timedelta(days=2))
    client.force_login(user)
    page = client.get("/billing/account/").content.decode()
    assert "Your plan: Pro" in page and "Stripe is trying again" in page


def test_account_page_shows_an_operator_grant(client, user):
    BillingProfile.objects.create(user=user, granted_plan="pro")
    client.force_login(user)
    page = client.get("/billing/account/").content.decode()
    assert "Your plan: Pro" in page and "Given to you by the operators" in page


def test_account_page_needs_login(client):
    assert client.get("/billing/account/")["Location"].startswith("/accounts/login/")


def test_success_and_cancel_pages(client, user):
    client.force_login(user)
    success = client.get("/billing/checkout/success/").content.decode()
    assert "Your plan changes as soon as Stripe confirms it" in success
    assert "Nothing was charged" in client.get("/billing/checkout/cancel/").content.decode()


def test_operator_grants_a_plan_in_the_admin(admin_client, user):
    response = admin_client.post(
        "/admin/billing/billingprofile/add/",
        {"user": user.pk, "granted_plan": "pro", "granted_until_0": "", "granted_until_1": "", "grant_note": "beta",
         "stripe_customer_id": ""},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert policy.plan_for(user).code == "pro"

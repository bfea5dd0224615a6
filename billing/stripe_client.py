"""Every call to Stripe goes through this module; nothing else in the project imports `stripe`.

Uses the SDK's StripeClient (one per call, no global API key). The HTTP layer is the
SDK default unless `stripe.default_http_client` is set (a proxy-aware client in
production, or the recording fake in the tests).
"""

import json
import time

import stripe
from django.conf import settings

from billing.event_shape import is_event

WEBHOOK_TOLERANCE_SECONDS = 300


class BillingNotConfigured(Exception):
    """Stripe keys are not set on this site."""


class StripeUnavailable(Exception):
    """Stripe could not be reached or refused the request; the message is safe to log, not to show."""


class InvalidWebhook(Exception):
    """The webhook body or signature is not acceptable; the message says why."""


def is_configured() -> bool:
    return bool(settings.STRIPE_SECRET_KEY)


def _client() -> stripe.StripeClient:
    if not is_configured():
        raise BillingNotConfigured("STRIPE_SECRET_KEY is not set")
    return stripe.StripeClient(
        settings.STRIPE_SECRET_KEY, http_client=stripe.default_http_client, max_network_retries=2
    )


def create_checkout_session(
    *, user_id: int, price_id: str, success_url: str, cancel_url: str, customer_id: str = "", email: str = ""
) -> str:
    """Start a subscription Checkout; returns the URL to send the person to."""
    params = {
        "mode": "subscription",
        "line_items": [{"price": price_id, "quantity": 1}],
        "client_reference_id": str(user_id),
        # Every subscription event then names its user, whatever order events arrive in.
        "subscription_data": {"metadata": {"user_id": str(user_id)}},
        "metadata": {"user_id": str(user_id)},
        "success_url": success_url,
        "cancel_url": cancel_url,
    }
    if customer_id:
        params["customer"] = customer_id
    elif email:
        params["customer_email"] = email
    try:
        session = _client().v1.checkout.sessions.create(params=params)
    except stripe.StripeError as exc:
        raise StripeUnavailable(f"checkout session: {exc}") from exc
    return session.url


def create_portal_session(*, customer_id: str, return_url: str) -> str:
    """Open the Customer Portal (card, invoices, cancel); returns its URL."""
    try:
        session = _client().v1.billing_portal.sessions.create(
            params={"customer": customer_id, "return_url": return_url}
        )
    except stripe.StripeError as exc:
        raise StripeUnavailable(f"portal session: {exc}") from exc
    return session.url


def verify_webhook(payload: bytes, signature_header: str | None) -> dict:
    """Check the Stripe-Signature header and return the event as plain data.

    Raises InvalidWebhook for a missing secret, a bad or old signature, or a body that is not an event."""
    secret = settings.STRIPE_WEBHOOK_SECRET
    if not secret:
        raise InvalidWebhook("webhooks are not configured on this site (STRIPE_WEBHOOK_SECRET is not set)")
    _refuse_future_timestamp(signature_header)
    try:
        stripe.Webhook.construct_event(payload, signature_header, secret, tolerance=WEBHOOK_TOLERANCE_SECONDS)
    except stripe.SignatureVerificationError as exc:
        raise InvalidWebhook(f"signature verification failed: {exc.user_message or exc}") from exc
    except (ValueError, TypeError, AttributeError, KeyError) as exc:
        # Signed, but the SDK could not read it as an event (not JSON, or not an object).
        raise InvalidWebhook("the body is not a JSON event") from exc
    event = json.loads(payload)
    if not is_event(event):
        raise InvalidWebhook("the body is not a Stripe event (type and data.object are required)")
    return event


def _refuse_future_timestamp(signature_header: str | None) -> None:
    """The SDK refuses old signatures only; one dated far ahead would stay replayable until then."""
    for part in (signature_header or "").split(","):
        key, _, value = part.strip().partition("=")
        if key == "t":
            try:
                signed_at = int(value)
            except ValueError:
                return  # the SDK refuses a header it cannot read
            if signed_at > time.time() + WEBHOOK_TOLERANCE_SECONDS:
                raise InvalidWebhook("signature verification failed: the timestamp is in the future")

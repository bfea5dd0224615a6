"""The endpoint Stripe posts events to (/billing/webhook/)."""

import logging

from django.http import HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from billing import stripe_client
from billing.webhooks import process_event

logger = logging.getLogger(__name__)


@csrf_exempt
@require_POST
def stripe_webhook(request):
    try:
        event = stripe_client.verify_webhook(request.body, request.headers.get("Stripe-Signature"))
    except stripe_client.InvalidWebhook as exc:
        # Nothing is stored for a body we cannot trust.
        logger.warning("Stripe webhook refused: %s", exc)
        return HttpResponse(str(exc), status=400, content_type="text/plain; charset=utf-8")
    try:
        outcome = process_event(event)
    except Exception:
        # process_event rolled everything back; a 5xx makes Stripe deliver the event again.
        logger.exception("Stripe event %s (%s) failed; Stripe will retry", event.get("id"), event["type"])
        return HttpResponse("event not processed; please retry", status=500, content_type="text/plain")
    return JsonResponse({"received": True, "outcome": outcome})

"""Pricing, the account billing page, and the hand-offs to Stripe Checkout and the Customer Portal."""

import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from billing import stripe_client
from billing.models import BillingProfile, StripeSubscription
from billing.plans import DEFAULT_PLAN, PLANS, get_plan
from billing.policy import entitlement_for_request, plan_for, usage_summary

logger = logging.getLogger(__name__)


def _absolute(url_name: str) -> str:
    return settings.SITE_URL.rstrip("/") + reverse(url_name)


def _sellable_plans():
    return [plan for plan in PLANS.values() if plan.is_paid and plan.stripe_price_id]


def billing_available() -> bool:
    return stripe_client.is_configured() and bool(_sellable_plans())


def pricing(request):
    current = plan_for(request.user)
    return render(
        request,
        "billing/pricing.html",
        {
            "plans": list(PLANS.values()),
            "current_plan": current,
            "default_plan": DEFAULT_PLAN,
            "billing_available": billing_available(),
        },
    )


@login_required
def account(request):
    plan, subscription = entitlement_for_request(request)
    summary = usage_summary(request.user, (plan, subscription))
    limit = summary["jobs_limit"]
    profile = BillingProfile.objects.filter(user=request.user).first()
    latest = StripeSubscription.objects.filter(user=request.user).exclude(status="").order_by("-updated_at").first()
    return render(
        request,
        "billing/account.html",
        {
            "summary": summary,
            "plan": plan,
            "default_plan": DEFAULT_PLAN,
            "usage_percent": min(100, round(100 * summary["jobs_used"] / limit)) if limit else 100,
            "subscription": subscription,
            "latest_subscription": latest,
            "can_manage": stripe_client.is_configured() and bool(profile and profile.stripe_customer_id),
            "billing_available": billing_available(),
            "granted": profile if profile and profile.granted_plan else None,
        },
    )


@login_required
@require_POST
def checkout(request):
    plan = get_plan(request.POST.get("plan", ""))
    if not billing_available():
        messages.error(request, _("Online payment is not configured on this site. Ask an operator for a plan."))
        return redirect("billing:pricing")
    if not plan.is_paid or not plan.stripe_price_id:
        messages.error(request, _("That plan cannot be bought online."))
        return redirect("billing:pricing")
    if plan_for(request.user).is_paid:
        messages.info(request, _("You already have a paid plan; manage it here."))
        return redirect("billing:account")
    profile = BillingProfile.objects.filter(user=request.user).first()
    try:
        url = stripe_client.create_checkout_session(
            user_id=request.user.pk,
            price_id=plan.stripe_price_id,
            success_url=_absolute("billing:checkout_success") + "?session_id={CHECKOUT_SESSION_ID}",
            cancel_url=_absolute("billing:checkout_cancel"),
            customer_id=profile.stripe_customer_id if profile else "",
            email=request.user.email,
        )
    except stripe_client.StripeUnavailable:
        logger.exception("Stripe Checkout could not be started for user %s", request.user.pk)
        messages.error(request, _("The payment page could not be opened. Nothing was charged; please try again."))
        return redirect("billing:pricing")
    return redirect(url)


@login_required
@require_POST
def portal(request):
    profile = BillingProfile.objects.filter(user=request.user).first()
    if not stripe_client.is_configured() or not profile or not profile.stripe_customer_id:
        messages.error(request, _("There is no online billing account for you yet."))
        return redirect("billing:account")
    try:
        url = stripe_client.create_portal_session(
            customer_id=profile.stripe_customer_id, return_url=_absolute("billing:account")
        )
    except stripe_client.StripeUnavailable:
        logger.exception("Stripe Customer Portal could not be opened for user %s", request.user.pk)
        messages.error(request, _("The billing portal could not be opened. Please try again."))
        return redirect("billing:account")
    return redirect(url)


@login_required
def checkout_success(request):
    return render(request, "billing/checkout_success.html", {"current_plan": plan_for(request.user)})


@login_required
def checkout_cancel(request):
    return render(request, "billing/checkout_cancel.html")

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from billing.plans import plan_choices


class BillingProfile(models.Model):
    """Per-person billing facts: the Stripe customer and any plan granted by an operator."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="billing_profile")
    stripe_customer_id = models.CharField(_("Stripe customer id"), max_length=255, blank=True, db_index=True)
    granted_plan = models.CharField(
        _("plan granted by an operator"),
        max_length=32,
        blank=True,
        choices=plan_choices,
        help_text=_("Gives this plan without a Stripe subscription (for sites without Stripe, staff, gifts)."),
    )
    granted_until = models.DateTimeField(
        _("granted until"), null=True, blank=True, help_text=_("Empty: the grant does not expire.")
    )
    grant_note = models.CharField(_("why it was granted"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("billing profile")
        verbose_name_plural = _("billing profiles")

    def __str__(self):
        return str(self.user)


class StripeSubscription(models.Model):
    """The last state Stripe told us about one subscription.

    `last_event_created` is the `created` time of the event whose subscription object
    was applied; an older event arriving late never overwrites a newer state."""

    stripe_id = models.CharField(max_length=255, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="stripe_subscriptions")
    customer_id = models.CharField(max_length=255, blank=True)
    # Empty until a subscription event arrives (a row may be created by an invoice event first).
    status = models.CharField(max_length=32, blank=True)
    price_id = models.CharField(max_length=255, blank=True)
    plan_code = models.CharField(max_length=32, blank=True)
    current_period_end = models.DateTimeField(null=True, blank=True)
    cancel_at_period_end = models.BooleanField(default=False)
    # Stripe's `ended_at`: once it has passed, the subscription gives nothing whatever its status.
    ended_at = models.DateTimeField(null=True, blank=True)
    last_event_created = models.BigIntegerField(default=0)
    last_event_id = models.CharField(max_length=255, blank=True)
    last_invoice_status = models.CharField(max_length=32, blank=True)
    last_invoice_url = models.URLField(max_length=1000, blank=True)
    last_invoice_event_created = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("Stripe subscription")
        verbose_name_plural = _("Stripe subscriptions")

    def __str__(self):
        return f"{self.stripe_id} ({self.status or '?'})"


class StripeEvent(models.Model):
    """Every verified webhook event, stored once by its id: a replay finds the row and stops."""

    event_id = models.CharField(max_length=255, unique=True)
    type = models.CharField(max_length=100)
    created = models.BigIntegerField(help_text=_("Stripe's event time (Unix seconds)"))
    livemode = models.BooleanField(default=False)
    payload = models.JSONField()
    outcome = models.CharField(max_length=32, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("Stripe event")
        verbose_name_plural = _("Stripe events")
        ordering = ["-received_at"]

    def __str__(self):
        return f"{self.type} {self.event_id}"


class MonthlyUsage(models.Model):
    """Jobs a person started in one calendar month (UTC); the row is the lock for the quota."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="monthly_usage")
    month = models.DateField(help_text=_("First day of the month"))
    jobs = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("monthly usage")
        verbose_name_plural = _("monthly usage")
        constraints = [models.UniqueConstraint(fields=["user", "month"], name="billing_usage_one_row_per_user_month")]

    def __str__(self):
        return f"{self.user} {self.month:%Y-%m}: {self.jobs}"

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from billing.models import BillingProfile, MonthlyUsage, StripeEvent, StripeSubscription


@admin.register(BillingProfile)
class BillingProfileAdmin(admin.ModelAdmin):
    """Where operators grant a plan (the only way to get one on a site without Stripe)."""

    list_display = ["user", "granted_plan", "granted_until", "stripe_customer_id"]
    list_filter = ["granted_plan"]
    search_fields = ["user__email", "stripe_customer_id"]
    raw_id_fields = ["user"]


class UnknownPriceFilter(admin.SimpleListFilter):
    title = _("price")
    parameter_name = "price"

    def lookups(self, request, model_admin):
        return [("unknown", _("Unknown price (grants nothing)"))]

    def queryset(self, request, queryset):
        if self.value() == "unknown":
            return queryset.filter(plan_code="").exclude(price_id="")
        return queryset


@admin.register(StripeSubscription)
class StripeSubscriptionAdmin(admin.ModelAdmin):
    list_display = ["stripe_id", "user", "status", "plan_shown", "current_period_end", "cancel_at_period_end"]
    list_filter = ["status", "plan_code", UnknownPriceFilter]
    search_fields = ["stripe_id", "customer_id", "user__email"]
    # Stripe is the source of truth: edits here would be overwritten by the next event.
    readonly_fields = [field.name for field in StripeSubscription._meta.fields]

    def has_add_permission(self, request):
        return False

    @admin.display(description=_("plan"), ordering="plan_code")
    def plan_shown(self, obj):
        if obj.plan_code or not obj.price_id:
            return obj.plan_code or "-"
        # A price of another product on the same Stripe account: it grants nothing here.
        return _("none: unknown price %(price)s") % {"price": obj.price_id}


@admin.register(StripeEvent)
class StripeEventAdmin(admin.ModelAdmin):
    list_display = ["event_id", "type", "outcome", "created", "received_at"]
    list_filter = ["type", "outcome"]
    search_fields = ["event_id"]
    readonly_fields = [field.name for field in StripeEvent._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(MonthlyUsage)
class MonthlyUsageAdmin(admin.ModelAdmin):
    list_display = ["user", "month", "jobs"]
    list_filter = ["month"]
    search_fields = ["user__email"]
    raw_id_fields = ["user"]
    date_hierarchy = "month"
    actions = ["reset_usage"]

    @admin.action(description=_("Reset the job count to 0"))
    def reset_usage(self, request, queryset):
        queryset.update(jobs=0)

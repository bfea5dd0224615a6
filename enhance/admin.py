from django.contrib import admin, messages
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import formats
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from enhance import services
from enhance.dashboard import summary
from enhance.engine.catalog import model_ids
from enhance.engine_text import model_label
from enhance.models import Job
from enhance.notifications.models import Notification


class ModelFilter(admin.SimpleListFilter):
    """By model, as the catalogue names them (every catalogued model, run or not yet)."""

    title = _("model")
    parameter_name = "model"

    def lookups(self, request, model_admin):
        return [(model_id, model_label(model_id)) for model_id in model_ids()]

    def queryset(self, request, queryset):
        return queryset.filter(model=self.value()) if self.value() else queryset


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = ("id", "owner", "photo", "model", "status", "progress", "attempts", "device", "queued_at",
                    "compute")
    list_filter = ("status", ModelFilter, "device", ("owner", admin.RelatedOnlyFieldListFilter))
    search_fields = ("owner__email", "=id", "worker")
    date_hierarchy = "queued_at"
    list_select_related = ("owner", "photo")
    readonly_fields = [f.name for f in Job._meta.fields]
    actions = ["retry_jobs", "cancel_jobs"]

    def has_add_permission(self, request):
        return False  # jobs start from services.submit (checks, policy, wake-up), never from a bare form

    @admin.display(description=_("compute"), ordering="compute_seconds")
    def compute(self, job):
        return _("%(seconds)s s") % {"seconds": formats.number_format(job.compute_seconds, 1)}

    @admin.action(description=_("Retry the selected failed or canceled jobs"))
    def retry_jobs(self, request, queryset):
        retryable = queryset.filter(status__in=["failed", "canceled"])
        skipped = queryset.count() - retryable.count()
        count = sum(1 for job in retryable if services.retry(job).status == "queued")
        if count:
            self.message_user(request, ngettext("%d job re-queued.", "%d jobs re-queued.", count) % count,
                              messages.SUCCESS)
        if skipped:
            self.message_user(
                request,
                ngettext(
                    "%d job was left as it is: only failed or canceled jobs can be retried.",
                    "%d jobs were left as they are: only failed or canceled jobs can be retried.",
                    skipped,
                ) % skipped,
                messages.WARNING,
            )

    @admin.action(description=_("Cancel the selected jobs"))
    def cancel_jobs(self, request, queryset):
        count = 0
        for job in queryset.filter(status__in=["queued", "running"]):
            services.cancel(None, job)
            count += 1
        self.message_user(request, ngettext("%d job canceled.", "%d jobs canceled.", count) % count,
                          messages.SUCCESS)

    def get_urls(self):
        dashboard = path("dashboard/", self.admin_site.admin_view(self.dashboard_view), name="enhance_dashboard")
        return [dashboard, *super().get_urls()]

    def dashboard_view(self, request):
        context = {**self.admin_site.each_context(request), "title": _("Jobs dashboard"), **summary()}
        return TemplateResponse(request, "admin/enhance/dashboard.html", context)

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "dashboard_url": reverse("admin:enhance_dashboard")}
        return super().changelist_view(request, extra_context)


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("user", "message", "created_at", "read_at")
    list_filter = ("read_at",)
    search_fields = ("user__email", "message")
    raw_id_fields = ("user", "job")

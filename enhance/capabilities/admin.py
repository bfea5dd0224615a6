from django.contrib import admin

from enhance.capabilities.models import WorkerCapability


@admin.register(WorkerCapability)
class WorkerCapabilityAdmin(admin.ModelAdmin):
    """Read-only: records are written by the workers themselves (see the jobs dashboard)."""

    list_display = ("process", "device_kind", "engine_version", "started_at", "heartbeat", "stopped_at")
    list_filter = ("device_kind", "host")
    search_fields = ("process", "host")
    readonly_fields = [f.name for f in WorkerCapability._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

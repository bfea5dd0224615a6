from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CapabilitiesConfig(AppConfig):
    name = "enhance.capabilities"
    label = "capabilities"
    verbose_name = _("Workers")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from enhance.capabilities import signals  # noqa: F401  (publishes at worker start)

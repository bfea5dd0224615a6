"""Start-up checks for settings a production deployment must not leave at their defaults."""

from django.conf import settings
from django.core.checks import Warning, register


@register()
def site_url_is_set(app_configs, **kwargs):
    if settings.DEBUG or settings.SITE_URL_CONFIGURED:
        return []
    return [
        Warning(
            f"SITE_URL is not set; links in emails will point to {settings.SITE_URL}.",
            hint="Set SITE_URL to the address people use, e.g. https://restore.example.",
            id="restore.W001",
        )
    ]

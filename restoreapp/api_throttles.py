"""Per-user throttles for the API's expensive actions (rates: REST_FRAMEWORK DEFAULT_THROTTLE_RATES).

They count per user id, never per IP: many phones share a carrier's address. A refused
request gets 429 with `Retry-After` (restoreapp.api_errors).
"""

from rest_framework.settings import api_settings
from rest_framework.throttling import UserRateThrottle

from restoreapp.client_ip import client_ip


class _SettingsRateThrottle(UserRateThrottle):
    def get_rate(self):
        # DRF copies the rates into a class attribute at import; reading them per request
        # lets an operator's (or a test's) change of settings take effect.
        return api_settings.DEFAULT_THROTTLE_RATES[self.scope]

    def get_ident(self, request):
        # Anonymous requests count per client address, read behind the proxy (TRUSTED_PROXY_COUNT).
        return client_ip(request)


class UploadThrottle(_SettingsRateThrottle):
    scope = "uploads"


class JobSubmissionThrottle(_SettingsRateThrottle):
    scope = "job_submissions"

"""allauth's hooks: its per-IP rate limits take the client address from restoreapp.client_ip,
and its emails name the site from SITE_NAME and SITE_URL, not from the request's host (behind a
proxy or on a dev port that read "Hello from 127.0.0.1:8801!")."""

from dataclasses import dataclass
from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings

from restoreapp.client_ip import client_ip


@dataclass(frozen=True)
class SiteIdentity:
    name: str
    domain: str


def site_identity() -> SiteIdentity:
    return SiteIdentity(settings.SITE_NAME, urlsplit(settings.SITE_URL).netloc or settings.SITE_URL)


class AccountAdapter(DefaultAccountAdapter):
    def get_client_ip(self, request) -> str:
        return client_ip(request) or super().get_client_ip(request)

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        super().send_mail(template_prefix, email, {**context, "current_site": site_identity()})

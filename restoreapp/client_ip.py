"""The client's address, for everything that keys on it (rate limits, throttles, logs).

Behind the documented nginx, REMOTE_ADDR is nginx: every visitor would share one
address and one budget. Each trusted proxy appends the address it saw to
X-Forwarded-For, so the client is TRUSTED_PROXY_COUNT places from the right; anything
further left was written by the client and is never believed. With the default 0 the
header is ignored.
"""

import ipaddress

from django.conf import settings


def _valid(address: str) -> str:
    try:
        return str(ipaddress.ip_address(address.strip()))
    except ValueError:
        return ""


def client_ip(request) -> str:
    remote = request.META.get("REMOTE_ADDR", "")
    trusted = settings.TRUSTED_PROXY_COUNT
    if trusted <= 0:
        return remote
    forwarded = [part for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if not forwarded:
        return remote  # reached without the proxy (a health check from the host itself)
    # Fewer entries than proxies: the request skipped some; the leftmost is the closest guess.
    return _valid(forwarded[-min(trusted, len(forwarded))]) or remote

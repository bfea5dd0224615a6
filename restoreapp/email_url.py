"""Turn EMAIL_URL (smtp://user:pass@host:port, smtp+tls://..., console://) into settings.

An optional `?timeout=SECONDS` sets EMAIL_TIMEOUT."""

from urllib.parse import parse_qs, unquote, urlparse

from django.core.exceptions import ImproperlyConfigured


def parse_email_url(url: str) -> dict:
    parsed = urlparse(url)
    scheme = parsed.scheme
    if scheme == "console":
        return {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    if scheme not in ("smtp", "smtp+tls", "smtp+ssl"):
        raise ImproperlyConfigured(f"EMAIL_URL scheme must be smtp, smtp+tls, smtp+ssl or console, got {scheme!r}")
    parsed_settings = {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": parsed.hostname or "localhost",
        "EMAIL_PORT": parsed.port or (465 if scheme == "smtp+ssl" else 587 if scheme == "smtp+tls" else 25),
        "EMAIL_HOST_USER": unquote(parsed.username or ""),
        "EMAIL_HOST_PASSWORD": unquote(parsed.password or ""),
        "EMAIL_USE_TLS": scheme == "smtp+tls",
        "EMAIL_USE_SSL": scheme == "smtp+ssl",
    }
    timeout = parse_qs(parsed.query).get("timeout")
    if timeout:
        try:
            seconds = float(timeout[-1])
        except ValueError:
            seconds = 0.0
        if not seconds > 0:
            raise ImproperlyConfigured(f"EMAIL_URL timeout must be a positive number of seconds, got {timeout[-1]!r}")
        parsed_settings["EMAIL_TIMEOUT"] = seconds
    return parsed_settings

"""Turn EMAIL_URL (smtp://user:pass@host:port, smtp+tls://..., console://) into settings."""

from urllib.parse import unquote, urlparse

from django.core.exceptions import ImproperlyConfigured


def parse_email_url(url: str) -> dict:
    parsed = urlparse(url)
    scheme = parsed.scheme
    if scheme == "console":
        return {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    if scheme not in ("smtp", "smtp+tls", "smtp+ssl"):
        raise ImproperlyConfigured(f"EMAIL_URL scheme must be smtp, smtp+tls, smtp+ssl or console, got {scheme!r}")
    return {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": parsed.hostname or "localhost",
        "EMAIL_PORT": parsed.port or (465 if scheme == "smtp+ssl" else 587 if scheme == "smtp+tls" else 25),
        "EMAIL_HOST_USER": unquote(parsed.username or ""),
        "EMAIL_HOST_PASSWORD": unquote(parsed.password or ""),
        "EMAIL_USE_TLS": scheme == "smtp+tls",
        "EMAIL_USE_SSL": scheme == "smtp+ssl",
    }

"""The environment switches issue 14 added, read the way a production host sets them."""

import runpy

from django.conf import settings as django_settings

NAMES = ("REDIS_URL", "TRUSTED_PROXY_COUNT", "DATABASE_URL", "DB_CONN_HEALTH_CHECKS", "EMAIL_URL", "EMAIL_TIMEOUT")


def settings_with(monkeypatch, tmp_path, **env) -> dict:
    for name in NAMES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("RESTORE_VAR_DIR", str(tmp_path))
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(django_settings.BASE_DIR / "restoreapp" / "settings.py"))


def test_defaults(monkeypatch, tmp_path):
    loaded = settings_with(monkeypatch, tmp_path)
    assert loaded["TRUSTED_PROXY_COUNT"] == 0
    assert loaded["REST_FRAMEWORK"]["NUM_PROXIES"] == 0
    assert loaded["ACCOUNT_ADAPTER"] == "accounts.adapter.AccountAdapter"
    assert loaded["DATABASES"]["default"]["CONN_HEALTH_CHECKS"] is True
    assert loaded["EMAIL_TIMEOUT"] == 10.0
    middleware = loaded["MIDDLEWARE"]
    assert middleware.index("restoreapp.security_headers.SecurityHeadersMiddleware") == 1 + middleware.index(
        "django.middleware.security.SecurityMiddleware"
    )


def test_production_values(monkeypatch, tmp_path):
    loaded = settings_with(
        monkeypatch,
        tmp_path,
        REDIS_URL="redis://cache.internal:6379/0",
        TRUSTED_PROXY_COUNT="1",
        DATABASE_URL="postgresql://restore:pw@db.internal:5432/restore",
        EMAIL_URL="smtp+tls://u:p@smtp.example.com:587?timeout=7",
    )
    cache = loaded["CACHES"]["default"]
    assert cache["BACKEND"] == "restoreapp.cache.ResilientRedisCache"
    assert cache["OPTIONS"]["socket_connect_timeout"] <= 1 and cache["OPTIONS"]["socket_timeout"] <= 1
    assert loaded["TRUSTED_PROXY_COUNT"] == 1 and loaded["REST_FRAMEWORK"]["NUM_PROXIES"] == 1
    database = loaded["DATABASES"]["default"]
    assert database["CONN_HEALTH_CHECKS"] is True and database["CONN_MAX_AGE"] > 0
    assert database["ENGINE"] == "restoreapp.postgresql"  # the round-trip-free health check
    assert loaded["EMAIL_TIMEOUT"] == 7.0

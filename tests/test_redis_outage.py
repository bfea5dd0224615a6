"""Redis down: nothing a person does fails, and the API still answers in JSON (issue 14, faults)."""

import logging
import socket

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from restoreapp import cache as resilient
from tests import factories
from tests.api.conftest import token_client
from tests.auth_defaults import _fast_password_hashing  # noqa: F401  (autouse here)

pytestmark = pytest.mark.django_db

REDIS_TEST_DB = 5


def closed_port() -> int:
    """A port nothing listens on: the OS gave it to us, and we closed it again."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def redis_cache_at(url: str) -> dict:
    """As settings.py has it: rate limits, and the rendered rows the web processes share."""
    options = {"socket_connect_timeout": 1, "socket_timeout": 1}
    return {
        "default": {"BACKEND": "restoreapp.cache.ResilientRedisCache", "LOCATION": url, "OPTIONS": options},
        "rows": {"BACKEND": "restoreapp.cache.ResilientRedisCache", "LOCATION": url, "OPTIONS": options,
                 "KEY_PREFIX": "rows"},
    }


@pytest.fixture
def redis_down(settings):
    resilient.reset_outage_state()
    settings.CACHES = redis_cache_at(f"redis://127.0.0.1:{closed_port()}/{REDIS_TEST_DB}")
    yield
    resilient.reset_outage_state()


@pytest.fixture
def redis_up(settings):
    resilient.reset_outage_state()
    settings.CACHES = redis_cache_at(f"redis://127.0.0.1:6379/{REDIS_TEST_DB}")
    try:
        cache.clear()  # DB 5 is this suite's own
    except Exception as exc:  # pragma: no cover - depends on the machine
        pytest.skip(f"no Redis on 127.0.0.1:6379: {exc}")
    yield
    cache.clear()


def every_action_a_person_takes(owner, photo) -> dict:
    """The requests the outage used to turn into 500s, with their answers."""
    answers = {}
    web = Client()
    answers["web sign-up"] = web.post(
        reverse("account_signup"),
        {"email": "new@example.com", "password1": factories.PASSWORD, "password2": factories.PASSWORD},
    ).status_code
    answers["web login"] = Client().post(
        reverse("account_login"), {"login": owner.email, "password": factories.PASSWORD}
    ).status_code
    answers["password reset"] = Client().post(reverse("account_reset_password"), {"email": owner.email}).status_code
    anon = APIClient()
    answers["API register"] = anon.post(
        "/api/v1/auth/register/", {"email": "phone@example.com", "password": factories.PASSWORD}
    ).status_code
    answers["API token"] = anon.post(
        "/api/v1/auth/token/", {"email": owner.email, "password": factories.PASSWORD}
    ).status_code
    signed_in = Client()
    signed_in.force_login(owner)
    answers["web upload"] = signed_in.post(
        reverse("photo_upload"), {"file": factories.upload_file(factories.image_bytes("JPEG"), "a.jpg")}
    ).status_code
    api = token_client(owner)
    answers["API upload"] = api.post(
        "/api/v1/photos/", {"file": factories.upload_file(factories.image_bytes("JPEG"), "b.jpg")}, format="multipart"
    ).status_code
    answers["web job"] = signed_in.post(
        reverse("enhance:submit", args=[photo.pk]), {"type": "sr"}, HTTP_ACCEPT="application/json"
    ).status_code
    answers["API job"] = api.post(
        "/api/v1/jobs/", {"photo": photo.pk, "model": "waifu2x", "options": {"scale": 2, "noise": 1}}, format="json"
    ).status_code
    # Pages and lists draw their rows through the shared row cache (the `rows` alias): twice, so
    # the second read is answered from whatever tier holds them.
    for _ in range(2):
        answers["library page"] = signed_in.get(reverse("home")).status_code
        answers["My jobs page"] = signed_in.get(reverse("enhance:my_jobs")).status_code
        answers["API jobs list"] = api.get("/api/v1/jobs/").status_code
    return answers


EXPECTED = {
    "web sign-up": 302,
    "web login": 302,
    "password reset": 302,
    "API register": 201,
    "API token": 200,
    "web upload": 201,
    "API upload": 201,
    "web job": 202,
    "API job": 202,
    "library page": 200,
    "My jobs page": 200,
    "API jobs list": 200,
}


def test_with_redis_down_every_action_succeeds_and_the_outage_is_logged_once(redis_down, owner, photo, caplog):
    with caplog.at_level(logging.WARNING, logger="restoreapp.cache"):
        answers = every_action_a_person_takes(owner, photo)
    assert answers == EXPECTED
    outage_lines = [r for r in caplog.records if r.name == "restoreapp.cache"]
    assert len(outage_lines) == 1 and "unreachable" in outage_lines[0].getMessage()


def test_with_redis_up_the_same_actions_succeed(redis_up, owner, photo):
    assert every_action_a_person_takes(owner, photo) == EXPECTED


def test_limits_still_count_per_process_while_redis_is_down(redis_down):
    factories.make_user("me@example.com")
    client = Client()
    for attempt in range(5):
        client.post(reverse("account_login"), {"login": "me@example.com", "password": f"wrong-{attempt}"})
    refused = client.post(reverse("account_login"), {"login": "me@example.com", "password": factories.PASSWORD})
    assert refused.status_code == 400
    assert "Too many failed login attempts" in refused.content.decode()


def test_the_outage_is_reported_again_after_a_minute_and_redis_is_retried(redis_down, caplog, monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(resilient.time, "monotonic", lambda: clock[0])
    with caplog.at_level(logging.WARNING, logger="restoreapp.cache"):
        for _ in range(3):
            cache.get("k")
            clock[0] += 6  # past the retry pause: Redis is tried (and fails) again each time
        clock[0] += 60
        cache.get("k")
    assert len([r for r in caplog.records if r.name == "restoreapp.cache"]) == 2


def test_an_api_error_nobody_expected_is_a_json_500(owner, monkeypatch, caplog):
    from accounts.api import views as account_views

    def broken(*args, **kwargs):
        raise RuntimeError("something nobody expected")

    monkeypatch.setattr(account_views.MeView, "get", broken)
    client = APIClient(raise_request_exception=False)
    client.credentials(HTTP_AUTHORIZATION=token_client(owner)._credentials["HTTP_AUTHORIZATION"])
    response = client.get("/api/v1/me/")
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"]["code"] == "server_error"
    assert "something nobody expected" not in response.content.decode()
    assert "RuntimeError" in caplog.text


def test_a_500_outside_any_api_view_on_an_api_path_is_json():
    # handler500 (restoreapp.urls): a middleware's failure on an API path is still JSON.
    from django.test import RequestFactory

    from restoreapp import api_errors, urls

    assert urls.handler500 == "restoreapp.api_errors.server_error"
    response = api_errors.server_error(RequestFactory().get("/api/v1/me/"))
    assert response.status_code == 500 and response["Content-Type"] == "application/json"
    page = api_errors.server_error(RequestFactory().get("/library/"))
    assert page.status_code == 500 and "application/json" not in page["Content-Type"]

"""Rate limits behind the documented nginx key on the client, not on nginx (issue 14)."""

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse
from rest_framework.test import APIClient

from restoreapp.api_throttles import UploadThrottle
from restoreapp.client_ip import client_ip
from tests import factories

pytestmark = pytest.mark.django_db

NGINX = "10.0.0.2"  # every request reaches gunicorn from here
ATTACKER = "203.0.113.66"
VICTIM = "198.51.100.7"
TOKEN = "/api/v1/auth/token/"


def via_nginx(client_address: str, spoofed: str = "") -> dict:
    """What nginx's `proxy_add_x_forwarded_for` sends: whatever the client wrote, then the client."""
    forwarded = f"{spoofed}, {client_address}" if spoofed else client_address
    return {"REMOTE_ADDR": NGINX, "HTTP_X_FORWARDED_FOR": forwarded}


def fail_logins(count: int, **headers) -> None:
    client = Client(**headers)
    for attempt in range(count):
        # A different email each time: only the per-IP budget is spent.
        client.post(reverse("account_login"), {"login": f"nobody{attempt}@example.com", "password": "wrong-pass"})


def test_one_client_behind_nginx_cannot_lock_everyone_out_of_the_web_login(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    factories.make_user("victim@example.com")
    fail_logins(12, **via_nginx(ATTACKER))
    victim = Client(**via_nginx(VICTIM))
    response = victim.post(reverse("account_login"), {"login": "victim@example.com", "password": factories.PASSWORD})
    assert response.status_code == 302
    # The attacker's own address is limited.
    blocked = Client(**via_nginx(ATTACKER)).post(
        reverse("account_login"), {"login": "victim@example.com", "password": factories.PASSWORD}
    )
    assert blocked.status_code == 400
    assert "Too many failed login attempts" in blocked.content.decode()


def test_one_client_behind_nginx_cannot_lock_everyone_out_of_api_tokens(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    factories.make_user("victim@example.com")
    attacker = APIClient(**via_nginx(ATTACKER))
    for attempt in range(12):
        attacker.post(TOKEN, {"email": f"nobody{attempt}@example.com", "password": "wrong-pass"})
    victim = APIClient(**via_nginx(VICTIM))
    response = victim.post(TOKEN, {"email": "victim@example.com", "password": factories.PASSWORD})
    assert response.status_code == 200, response.content
    assert attacker.post(TOKEN, {"email": "victim@example.com", "password": factories.PASSWORD}).status_code == 429


def test_a_spoofed_header_changes_nothing_without_a_trusted_proxy(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    factories.make_user("victim@example.com")
    client = Client(REMOTE_ADDR=ATTACKER)
    for attempt in range(12):
        # A new made-up address in every request: all of them still count against REMOTE_ADDR.
        client.post(
            reverse("account_login"),
            {"login": f"nobody{attempt}@example.com", "password": "wrong-pass"},
            HTTP_X_FORWARDED_FOR=f"192.0.2.{attempt}",
        )
    response = client.post(
        reverse("account_login"),
        {"login": "victim@example.com", "password": factories.PASSWORD},
        HTTP_X_FORWARDED_FOR="192.0.2.200",
    )
    assert response.status_code == 400
    assert "Too many failed login attempts" in response.content.decode()


def test_a_client_cannot_pick_its_address_by_writing_the_header_itself(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    factory = RequestFactory()
    spoofed = factory.get("/", **via_nginx(ATTACKER, spoofed="1.2.3.4"))
    assert client_ip(spoofed) == ATTACKER
    settings.TRUSTED_PROXY_COUNT = 2  # a CDN in front of nginx: the client is one further left
    behind_cdn = factory.get("/", REMOTE_ADDR=NGINX, HTTP_X_FORWARDED_FOR=f"1.2.3.4, {VICTIM}, 172.16.0.9")
    assert client_ip(behind_cdn) == VICTIM
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(factory.get("/", REMOTE_ADDR=NGINX, HTTP_X_FORWARDED_FOR="not-an-address")) == NGINX
    assert client_ip(factory.get("/", REMOTE_ADDR="127.0.0.1")) == "127.0.0.1"  # the host's own health check


def test_api_throttles_count_anonymous_clients_by_their_own_address(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    request = RequestFactory().get("/", **via_nginx(VICTIM, spoofed="1.2.3.4"))
    assert UploadThrottle().get_ident(request) == VICTIM
    settings.TRUSTED_PROXY_COUNT = 0
    assert UploadThrottle().get_ident(request) == NGINX

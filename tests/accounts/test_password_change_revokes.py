"""A password change or reset ends the person's API tokens and other sessions (issue 14)."""

import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from knox.models import get_token_model
from rest_framework.test import APIClient

from tests import factories

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "another-strong-pass-7"
ME = "/api/v1/me/"


def api_token(email: str, password: str = factories.PASSWORD) -> APIClient:
    response = APIClient().post("/api/v1/auth/token/", {"email": email, "password": password})
    assert response.status_code == 200, response.content
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    assert client.get(ME).status_code == 200
    return client


def signed_in(email: str) -> Client:
    client = Client()
    assert client.post(reverse("account_login"), {"login": email, "password": factories.PASSWORD}).status_code == 302
    assert client.get(reverse("settings")).status_code == 200
    return client


def test_changing_the_password_revokes_tokens_and_other_sessions(client):
    user = factories.make_user("me@example.com")
    phone = api_token("me@example.com")
    laptop = signed_in("me@example.com")
    client.force_login(user)
    response = client.post(
        reverse("account_change_password"),
        {"oldpassword": factories.PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert phone.get(ME).status_code == 401
    assert not get_token_model().objects.filter(user=user).exists()
    assert laptop.get(reverse("settings")).status_code == 302  # the settings page sends it to log in
    assert client.get(reverse("settings")).status_code == 200  # the session that changed it stays
    api_token("me@example.com", NEW_PASSWORD)  # a new token works


def test_resetting_the_password_revokes_tokens_and_sessions():
    user = factories.make_user("me@example.com")
    phone = api_token("me@example.com")
    laptop = signed_in("me@example.com")
    stranger = Client()
    stranger.post(reverse("account_reset_password"), {"email": "me@example.com"})
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+)", mail.outbox[-1].body).group(1)
    form_page = stranger.get(link, follow=True)
    assert form_page.status_code == 200
    done = stranger.post(form_page.redirect_chain[-1][0] if form_page.redirect_chain else link,
                         {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert done.status_code == 302
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert phone.get(ME).status_code == 401
    assert laptop.get(reverse("settings")).status_code == 302


def test_a_login_that_upgrades_the_password_hash_keeps_the_tokens(settings):
    user = factories.make_user("me@example.com")
    phone = api_token("me@example.com")
    # Logging in with a hasher that is no longer the preferred one rewrites the hash: not a change.
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "django.contrib.auth.hashers.MD5PasswordHasher",
    ]
    api_token("me@example.com")
    user.refresh_from_db()
    assert user.password.startswith("pbkdf2_")
    assert phone.get(ME).status_code == 200

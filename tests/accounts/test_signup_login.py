"""Sign-up, log-in, log-out, password change and reset through django-allauth, with our pages."""

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import User
from restoreapp import settings as shipped_settings  # the module itself: test overrides never touch it
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db


def test_signup_with_email_and_password_logs_in(client, settings):
    settings.PASSWORD_HASHERS = shipped_settings.PASSWORD_HASHERS
    response = client.post(
        reverse("account_signup"), {"email": "new@example.com", "password1": PASSWORD, "password2": PASSWORD}
    )
    assert response.status_code == 302
    user = User.objects.get(email="new@example.com")
    assert user.password.startswith("argon2$")
    assert client.get(reverse("settings")).status_code == 200


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"email": "not-an-email", "password1": PASSWORD, "password2": PASSWORD}, "valid email"),
        ({"email": "x@example.com", "password1": "short", "password2": "short"}, "too short"),
        ({"email": "x@example.com", "password1": PASSWORD, "password2": PASSWORD + "x"}, "same password"),
    ],
)
def test_signup_errors_are_shown_next_to_the_field(client, data, message):
    response = client.post(reverse("account_signup"), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert "invalid-feedback" in html
    assert not User.objects.exists()


def test_login_page_uses_the_app_layout(client):
    html = client.get(reverse("account_login")).content.decode()
    assert 'class="navbar' in html
    assert "bootstrap/css/bootstrap.min.css" in html
    assert 'name="login"' in html and 'name="password"' in html


def test_login_and_logout(client):
    make_user("me@example.com")
    response = client.post(reverse("account_login"), {"login": "me@example.com", "password": PASSWORD})
    assert response["Location"] == reverse("home")
    assert client.get(reverse("settings")).status_code == 200
    client.post(reverse("account_logout"))
    assert client.get(reverse("settings")).status_code == 302


def test_wrong_password_is_refused_with_a_message(client):
    make_user("me@example.com")
    response = client.post(reverse("account_login"), {"login": "me@example.com", "password": "wrong-password"})
    assert response.status_code == 400
    assert "not correct" in response.content.decode()


def test_login_is_rate_limited(client):
    make_user("me@example.com")
    for attempt in range(5):
        response = client.post(reverse("account_login"), {"login": "me@example.com", "password": f"wrong-{attempt}"})
        assert "Too many failed login attempts" not in response.content.decode()
    # Even the right password is refused until the window passes.
    response = client.post(reverse("account_login"), {"login": "me@example.com", "password": PASSWORD})
    assert response.status_code == 400
    assert "Too many failed login attempts" in response.content.decode()
    assert client.get(reverse("settings")).status_code == 302


def test_password_change(client):
    user = make_user("me@example.com")
    client.force_login(user)
    new = "another-strong-pass-7"
    response = client.post(
        reverse("account_change_password"), {"oldpassword": PASSWORD, "password1": new, "password2": new}
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(new)


def test_password_reset_sends_a_mail(client):
    make_user("me@example.com")
    response = client.post(reverse("account_reset_password"), {"email": "me@example.com"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["me@example.com"]
    assert "/accounts/password/reset/key/" in mail.outbox[0].body

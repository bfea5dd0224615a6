"""auth/register/, auth/token/ (POST, DELETE) and session authentication for the site's JavaScript."""

import pytest
from allauth.account.models import EmailAddress
from django.test import Client, RequestFactory
from knox.crypto import hash_token
from knox.models import get_token_model
from rest_framework.test import APIClient

from accounts.models import User
from tests import factories

pytestmark = pytest.mark.django_db

REGISTER = "/api/v1/auth/register/"
TOKEN = "/api/v1/auth/token/"
ME = "/api/v1/me/"


def _authed(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def test_register_returns_a_working_token_stored_only_as_a_hash(anon_api):
    response = anon_api.post(REGISTER, {"email": "New.Person@Example.com", "password": factories.PASSWORD})
    assert response.status_code == 201, response.json()
    token = response.json()["token"]

    user = User.objects.get(email="new.person@example.com")  # lower-cased like the web sign-up
    assert user.check_password(factories.PASSWORD)
    assert EmailAddress.objects.filter(user=user, email="new.person@example.com", primary=True).exists()
    stored = get_token_model().objects.get(user=user)
    assert stored.digest == hash_token(token)
    assert token not in (stored.digest, stored.token_key)  # only a prefix and the hash are kept
    me = _authed(token).get(ME)
    assert me.status_code == 200
    assert me.json()["email"] == "new.person@example.com"


@pytest.mark.parametrize("password", ["short1", "12345678901", "password123", "newperson@example.com"])
def test_register_refuses_what_the_web_sign_up_refuses_with_the_same_messages(anon_api, password):
    email = "newperson@example.com"
    page = Client().post("/accounts/signup/", {"email": email, "password1": password, "password2": password})
    assert page.status_code in (200, 400)  # the form again, with its errors
    web_messages = page.context["form"].errors["password1"]
    assert web_messages

    response = anon_api.post(REGISTER, {"email": email, "password": password})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["fields"]["password"] == web_messages
    assert not User.objects.filter(email=email).exists()


def test_register_refuses_a_taken_email_in_any_case(anon_api, owner):
    response = anon_api.post(REGISTER, {"email": "OWNER@example.com", "password": factories.PASSWORD})
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["email"] == ["A user is already registered with this email address."]
    assert User.objects.count() == 1


@pytest.mark.parametrize("body", [{}, {"email": "not-an-email", "password": factories.PASSWORD}, {"email": "a@b.c"}])
def test_register_names_the_missing_or_bad_field(anon_api, body):
    response = anon_api.post(REGISTER, body)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] in {"required", "invalid"}
    assert error["message"]
    assert error["fields"]


def test_register_shares_the_web_sign_up_rate_limit(anon_api, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "signup": "2/m/ip"}
    for n in range(2):
        created = anon_api.post(REGISTER, {"email": f"u{n}@example.com", "password": factories.PASSWORD})
        assert created.status_code == 201
    refused = anon_api.post(REGISTER, {"email": "u9@example.com", "password": factories.PASSWORD})
    assert refused.status_code == 429
    assert refused["Retry-After"] == "60"
    assert refused.json()["error"]["code"] == "throttled"
    assert not User.objects.filter(email="u9@example.com").exists()
    # The web sign-up draws on the same budget.
    web = Client().post("/accounts/signup/", {"email": "w@example.com", "password1": factories.PASSWORD,
                                              "password2": factories.PASSWORD})
    assert web.status_code == 429


def test_login_returns_a_new_token(anon_api, owner):
    response = anon_api.post(TOKEN, {"email": "owner@example.com", "password": factories.PASSWORD})
    assert response.status_code == 200
    assert _authed(response.json()["token"]).get(ME).json()["id"] == owner.pk


@pytest.mark.parametrize("attached", ["revoked", "made_up"])
def test_login_ignores_a_stale_token_still_attached(owner, attached):
    old = APIClient().post(TOKEN, {"email": "owner@example.com", "password": factories.PASSWORD}).json()["token"]
    if attached == "revoked":
        assert _authed(old).delete(TOKEN).status_code == 204
    stale = _authed(old if attached == "revoked" else "0" * 64)
    response = stale.post(TOKEN, {"email": "owner@example.com", "password": factories.PASSWORD})
    assert response.status_code == 200, response.json()
    assert _authed(response.json()["token"]).get(ME).json()["id"] == owner.pk
    registered = stale.post(REGISTER, {"email": "second@example.com", "password": factories.PASSWORD})
    assert registered.status_code == 201, registered.json()


def test_login_with_a_wrong_password_gives_the_web_message(anon_api, owner):
    response = anon_api.post(TOKEN, {"email": "owner@example.com", "password": "wrong-password-1"})
    assert response.status_code == 400
    assert response.json()["error"] == {
        "code": "invalid_credentials",
        "message": "The email address and/or password you specified are not correct.",
    }


def test_failed_logins_are_limited_like_the_web_login(anon_api, owner):
    # settings.ACCOUNT_RATE_LIMITS["login_failed"]: 5 failures per email in 5 minutes.
    for _ in range(5):
        assert anon_api.post(TOKEN, {"email": "owner@example.com", "password": "wrong"}).status_code == 400
    refused = anon_api.post(TOKEN, {"email": "owner@example.com", "password": factories.PASSWORD})
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) == 300
    error = refused.json()["error"]
    assert error["code"] == "throttled"
    assert error["message"].startswith("Too many failed login attempts. Try again later.")


def test_failed_logins_on_the_web_use_up_the_apis_budget_too(anon_api, owner):
    web = Client()
    for _ in range(5):
        web.post("/accounts/login/", {"login": "owner@example.com", "password": "wrong-password-1"})
    refused = anon_api.post(TOKEN, {"email": "owner@example.com", "password": factories.PASSWORD})
    assert refused.status_code == 429


def test_a_successful_login_does_not_use_up_the_budget(anon_api, owner):
    for _ in range(8):
        ok = anon_api.post(TOKEN, {"email": "owner@example.com", "password": factories.PASSWORD})
        assert ok.status_code == 200


def test_delete_revokes_only_the_token_used(owner):
    first = APIClient().post(TOKEN, {"email": "owner@example.com", "password": factories.PASSWORD}).json()["token"]
    second = APIClient().post(TOKEN, {"email": "owner@example.com", "password": factories.PASSWORD}).json()["token"]
    assert _authed(first).delete(TOKEN).status_code == 204
    gone = _authed(first).get(ME)
    assert gone.status_code == 401
    assert gone.json()["error"]["code"] == "authentication_failed"
    assert _authed(second).get(ME).status_code == 200


def test_delete_without_a_token_is_refused(anon_api, owner_client):
    assert anon_api.delete(TOKEN).status_code == 401
    session = owner_client.delete(TOKEN)
    assert session.status_code == 401  # a session is not a token; nothing to revoke


def test_a_made_up_token_is_refused(owner):
    response = _authed("0" * 64).get(ME)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def _csrf_cookie(browser: Client) -> str:
    from django.middleware.csrf import get_token

    request = RequestFactory().get("/")
    token = get_token(request)
    browser.cookies["csrftoken"] = request.META["CSRF_COOKIE"]
    return token


def test_session_authentication_works_for_the_sites_javascript_with_csrf(owner):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(owner)
    assert browser.get(ME).status_code == 200
    refused = browser.post("/api/v1/albums/", {"name": "Trip"}, content_type="application/json")
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["error"]["message"]
    csrf = _csrf_cookie(browser)
    created = browser.post("/api/v1/albums/", {"name": "Trip"}, content_type="application/json",
                           HTTP_X_CSRFTOKEN=csrf)
    assert created.status_code == 201


def test_logging_in_again_and_again_keeps_only_the_newest_tokens(anon_api, owner, settings):
    settings.REST_KNOX = {**getattr(settings, "REST_KNOX", {}), "TOKEN_LIMIT_PER_USER": 3}
    tokens = [anon_api.post(TOKEN, {"email": "owner@example.com", "password": factories.PASSWORD}).json()["token"]
              for _ in range(5)]
    assert get_token_model().objects.filter(user=owner).count() == 3
    assert [_authed(t).get(ME).status_code for t in tokens] == [401, 401, 200, 200, 200]


def test_session_upload_from_the_site_needs_csrf_and_keeps_the_byte_cap(owner, settings):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(owner)
    upload = {"file": factories.upload_file(factories.image_bytes())}
    assert browser.post("/api/v1/photos/", upload).status_code == 403
    csrf = _csrf_cookie(browser)
    upload = {"file": factories.upload_file(factories.image_bytes())}
    assert browser.post("/api/v1/photos/", upload, HTTP_X_CSRFTOKEN=csrf).status_code == 201
    settings.UPLOAD_MAX_BYTES = 2_000
    heavy = {"file": factories.upload_file(factories.image_bytes("PNG", size=(200, 200)) + b"\0" * 5_000)}
    refused = browser.post("/api/v1/photos/", heavy, HTTP_X_CSRFTOKEN=csrf)
    assert refused.status_code == 413
    assert refused.json()["error"]["code"] == "too_large"


def test_mandatory_email_verification_is_not_bypassed_by_the_api(anon_api, settings, mailoutbox):
    from allauth.account.models import EmailAddress

    settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"
    credentials = {"email": "careful@example.com", "password": factories.PASSWORD}
    registered = anon_api.post(REGISTER, credentials)
    assert registered.status_code == 201
    assert registered.json() == {"token": None, "expiry": None}
    assert len(mailoutbox) == 1 and mailoutbox[0].to == ["careful@example.com"]

    refused = anon_api.post(TOKEN, credentials)
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "email_unverified"

    EmailAddress.objects.filter(email="careful@example.com").update(verified=True)
    assert anon_api.post(TOKEN, credentials).status_code == 200


def test_an_expired_token_is_refused_and_deleted_and_a_login_sweeps_the_others(anon_api, owner):
    from datetime import timedelta

    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    tokens = get_token_model().objects
    live, live_token = tokens.create(user=owner, expiry=timedelta(days=1))
    old, old_token = tokens.create(user=owner, expiry=timedelta(days=1))
    stale, _ = tokens.create(user=owner, expiry=timedelta(days=1))
    tokens.filter(digest__in=[old.digest, stale.digest]).update(expiry=timezone.now() - timedelta(minutes=1))

    refused = _authed(old_token).get(ME)
    assert refused.status_code == 401
    assert not tokens.filter(digest=old.digest).exists()

    with CaptureQueriesContext(connection) as queries:
        assert _authed(live_token).get(ME).status_code == 200
    # Authenticating looks up the token (with its user) once; it does not list the person's others.
    token_queries = [q["sql"] for q in queries.captured_queries
                     if "knox_authtoken" in q["sql"] and q["sql"].startswith("SELECT")]
    assert len(token_queries) == 1, token_queries
    assert tokens.filter(digest=stale.digest).exists()

    assert anon_api.post(TOKEN, {"email": owner.email, "password": factories.PASSWORD}).status_code == 200
    assert not tokens.filter(digest=stale.digest).exists()  # swept at login
    assert tokens.filter(digest=live.digest).exists()

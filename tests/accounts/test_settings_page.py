"""The settings page: language, email on job completion, GPS; the language switcher."""

import pytest
from django.urls import reverse


def test_settings_page_needs_login(anon_client):
    response = anon_client.get(reverse("settings"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_settings_are_saved(owner_client, owner):
    response = owner_client.post(reverse("settings"), {"language": "ko", "email_on_job_done": "on", "keep_gps": "on"})
    assert response.status_code == 302
    owner.refresh_from_db()
    assert (owner.language, owner.email_on_job_done, owner.keep_gps) == ("ko", True, True)
    owner_client.post(reverse("settings"), {"language": "en"})
    owner.refresh_from_db()
    assert (owner.language, owner.email_on_job_done, owner.keep_gps) == ("en", False, False)


def test_unknown_language_is_a_400_next_to_the_field(owner_client, owner):
    response = owner_client.post(reverse("settings"), {"language": "xx"})
    assert response.status_code == 400
    assert "invalid-feedback" in response.content.decode()
    owner.refresh_from_db()
    assert owner.language == ""


def test_saved_language_is_used_on_every_page(owner_client, owner):
    owner.language = "ko"
    owner.save()
    html = owner_client.get(reverse("home")).content.decode()
    assert '<html lang="ko">' in html
    assert "모든 사진" in html  # "All photos"


def test_language_switcher_saves_the_choice_for_a_signed_in_user(owner_client, owner):
    response = owner_client.post(reverse("switch_language"), {"language": "ko", "next": reverse("home")})
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    owner.refresh_from_db()
    assert owner.language == "ko"
    assert '<html lang="ko">' in owner_client.get(reverse("home")).content.decode()


@pytest.mark.django_db
def test_language_switcher_works_for_visitors(anon_client):
    anon_client.post(reverse("switch_language"), {"language": "ko", "next": reverse("account_login")})
    html = anon_client.get(reverse("account_login")).content.decode()
    assert '<html lang="ko">' in html
    assert "로그인" in html  # allauth's own Korean catalog


@pytest.mark.django_db
def test_language_switcher_refuses_outside_redirects(anon_client):
    response = anon_client.post(reverse("switch_language"), {"language": "ko", "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_language_not_chosen_yet_shows_the_current_one(owner_client):
    html = owner_client.get(reverse("settings"), HTTP_ACCEPT_LANGUAGE="ko").content.decode()
    assert '<option value="ko" selected>' in html

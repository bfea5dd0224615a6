"""Remembered responses (restoreapp/response_cache.py): a second visit of a remembered page or
API list is answered without drawing it, and never shows what has changed since: a write by any
path (no signal), a worker that stops, another person, another session's CSRF token, a message
waiting, another language, another host, or time alone beyond RESPONSE_CACHE_SECONDS."""

import random
import re
import time

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection
from django.middleware.csrf import _unmask_cipher_token
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from albums.models import Album, Photo
from enhance.bench.seed import announce_worker, seed_user
from enhance.capabilities.models import WorkerCapability
from enhance.models import Job, JobStatus
from enhance.notifications.models import Notification
from restoreapp import response_cache

PAGES = ["/", "/albums/{album}/", "/photos/{photo}/", "/jobs/", "/notifications/", "/jobs/status.json?ids={jobs}",
         "/jobs/{job}/status.json", "/notifications/unread.json?after=0"]
API_READS = ["/api/v1/photos/", "/api/v1/albums/", "/api/v1/jobs/", "/api/v1/models/", "/api/v1/jobs/{job}/",
             "/api/v1/me/"]
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([A-Za-z0-9]{64})"')


@pytest.fixture
def account(db, settings):
    settings.RESPONSE_CACHE_SECONDS = 10
    announce_worker()
    return seed_user(0, photos=6, jobs=8, albums=2, rng=random.Random(7))


def _client(account, session: str | None = None, **kwargs) -> Client:
    client = Client(**kwargs)
    client.cookies["sessionid"] = session or account["session"]
    return client


def _api(account) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Token {account['token']}")


def _url(template: str, account) -> str:
    return template.format(album=account["albums"][0], photo=account["photos"][0], job=account["jobs"][0],
                           jobs=",".join(map(str, account["jobs"][:4])))


def _get(client: Client, url: str, **headers):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, **headers)
    assert response.status_code == 200, (url, response.status_code)
    return response, len(queries.captured_queries)


def _without_tokens(html: str) -> str:
    return TOKEN.sub("", html)


@pytest.mark.parametrize("template", PAGES + API_READS)
def test_a_second_visit_is_answered_without_drawing(account, template):
    url = _url(template, account)
    client = _api(account) if url.startswith("/api/") else _client(account)
    if url == "/notifications/":
        _get(client, url)  # opening the list reads them: a change, so the next visit is drawn again
    first, drawn = _get(client, url)
    again, remembered = _get(client, url)
    # Pages: the session, the person, the data versions. API: the token, the versions.
    assert remembered < drawn and remembered <= 3
    if url.startswith("/api/"):
        assert again.json() == first.json()
    else:
        assert _without_tokens(again.content.decode()) == _without_tokens(first.content.decode())
        assert again["Content-Type"] == first["Content-Type"]


def test_writes_without_a_signal_show_at_once(account):
    client = _client(account)
    photo_id, job_id = account["photos"][0], account["jobs"][0]
    for url in ("/", f"/photos/{photo_id}/", "/jobs/"):
        _get(client, url)

    Photo.objects.filter(pk=photo_id).update(title="Grandma, 1952")
    assert "Grandma, 1952" in _get(client, "/")[0].content.decode()
    assert "Grandma, 1952" in _get(client, f"/photos/{photo_id}/")[0].content.decode()

    _get(client, f"/jobs/status.json?ids={job_id}")
    _get(_api(account), f"/api/v1/jobs/{job_id}/")
    Job.objects.filter(pk=job_id).update(status=JobStatus.RUNNING, progress=37, stage="inference")
    assert 'data-width="37"' in _get(client, "/jobs/")[0].content.decode()
    assert _get(client, f"/jobs/status.json?ids={job_id}")[0].json()["jobs"][0]["progress"] == 37  # the poll
    assert _get(_api(account), f"/api/v1/jobs/{job_id}/")[0].json()["progress"] == 37

    with connection.cursor() as cursor:  # raw SQL, as another program would
        cursor.execute("UPDATE albums_album SET name = %s WHERE id = %s", ["Summer 1961", account["albums"][0]])
    assert "Summer 1961" in _get(client, "/")[0].content.decode()


def test_a_new_notification_and_reading_them_show_at_once(account, django_user_model):
    client = _client(account)
    _get(client, "/notifications/")
    bell = _get(client, "/notifications/unread.json?after=0")[0].json()
    person = django_user_model.objects.get(email=account["email"])
    Notification.objects.create(user=person, message="Your restoration of “Porch” is ready")
    assert _get(client, "/notifications/unread.json?after=0")[0].json()["count"] == bell["count"] + 1
    page = _get(client, "/notifications/")[0].content.decode()
    assert "Your restoration of “Porch” is ready" in page
    assert not Notification.objects.filter(user=person, read_at__isnull=True).exists()  # the visit read them


def test_a_worker_that_stops_takes_its_models_off_the_pages_at_once(account):
    client, api = _client(account), _api(account)
    assert "not available right now" not in _get(client, "/")[0].content.decode()
    assert all(model["available"] for model in _get(api, "/api/v1/models/")[0].json())

    WorkerCapability.objects.update(stopped_at=timezone.now())
    assert "not available right now" in _get(client, "/")[0].content.decode()
    assert not any(model["available"] for model in _get(api, "/api/v1/models/")[0].json())


def test_another_person_never_gets_it(account, other_client):
    url = _url("/albums/{album}/", account)
    _get(_client(account), url)
    assert other_client.get(url).status_code == 404
    mine = _get(_client(account), "/")[0].content.decode()
    theirs = _get(other_client, "/")[0].content.decode()
    assert account["email"] in mine and account["email"] not in theirs


def _second_session(account, django_user_model) -> str:
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    person = django_user_model.objects.get(email=account["email"])
    session = SessionStore()
    session.update({SESSION_KEY: str(person.pk), BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend",
                    HASH_SESSION_KEY: person.get_session_auth_hash()})
    session.create()
    return session.session_key


def test_each_session_gets_its_own_csrf_token_and_can_post_with_it(account, django_user_model):
    url = _url("/photos/{photo}/", account)
    first = _client(account, enforce_csrf_checks=True)
    _get(first, url)
    _get(first, url)  # the same session, remembered

    laptop = _client(account, _second_session(account, django_user_model), enforce_csrf_checks=True)
    page, queries = _get(laptop, url)
    assert queries <= 3  # remembered, drawn for the other session
    html = page.content.decode()
    assert response_cache.CSRF_MARKER not in html
    tokens = set(TOKEN.findall(html))
    secret = laptop.cookies["csrftoken"].value
    assert tokens and all(_unmask_cipher_token(token) == secret for token in tokens)

    title = "Renamed from the laptop"
    answer = laptop.post(f"/photos/{account['photos'][0]}/edit/", {"title": title, "csrfmiddlewaretoken": tokens.pop()})
    assert answer.status_code == 302
    assert Photo.objects.get(pk=account["photos"][0]).title == title


@pytest.mark.parametrize("template", [page for page in PAGES if ".json" not in page])
def test_no_token_of_the_session_that_drew_a_page_is_left_anywhere_in_it(account, django_user_model, template):
    """Only the form fields `{% csrf_token %}` draws are filled in per session: a token put
    anywhere else in a template would reach another session as the first one's."""
    url = _url(template, account)
    first = _client(account)
    _get(first, url)
    _get(first, url)  # the notifications list changes on the first visit (it reads them)
    drawn_for = first.cookies["csrftoken"].value

    laptop = _client(account, _second_session(account, django_user_model))
    page, queries = _get(laptop, url)
    assert queries <= 3  # remembered
    left = [text for text in re.findall(r"[A-Za-z0-9]{64}", page.content.decode())
            if _unmask_cipher_token(text) == drawn_for]
    assert not left


def test_a_page_with_a_message_waiting_is_drawn_and_not_kept(account):
    client = _client(account)
    album_id = account["albums"][0]
    _get(client, f"/albums/{album_id}/")
    client.post(f"/albums/{album_id}/rename/", {"name": "Wedding"})
    page = _get(client, f"/albums/{album_id}/")[0].content.decode()
    assert "Album renamed." in page
    assert "Album renamed." not in _get(client, f"/albums/{album_id}/")[0].content.decode()  # shown once


def test_the_language_is_part_of_the_key(account):
    client = _client(account)
    english = _get(client, "/jobs/", HTTP_ACCEPT_LANGUAGE="en")[0].content.decode()
    korean = _get(client, "/jobs/", HTTP_ACCEPT_LANGUAGE="ko")[0].content.decode()
    assert "My jobs" in english and "내 작업" in korean


def test_the_host_is_part_of_the_key(account, settings):
    settings.ALLOWED_HOSTS = ["testserver", "restore.example.com"]
    api = _api(account)
    here = _get(api, "/api/v1/photos/?page_size=1")[0].json()
    there = _get(api, "/api/v1/photos/?page_size=1", HTTP_HOST="restore.example.com")[0].json()
    assert "//testserver/" in here["next"] and "//restore.example.com/" in there["next"]


def test_nothing_is_reused_after_the_seconds_set(account, settings, monkeypatch):
    client = _client(account)
    _, drawn = _get(client, "/jobs/")
    assert _get(client, "/jobs/")[1] < drawn
    now = time.time()
    monkeypatch.setattr(response_cache.time, "time", lambda: now + settings.RESPONSE_CACHE_SECONDS)
    assert _get(client, "/jobs/")[1] == drawn


def test_zero_seconds_turns_it_off(account, settings):
    settings.RESPONSE_CACHE_SECONDS = 0
    client = _client(account)
    _, drawn = _get(client, "/")
    assert _get(client, "/")[1] == drawn


def test_another_process_reuses_it_from_the_shared_tier(account, settings):
    settings.CACHES = {**settings.CACHES, "rows": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "test-shared-responses"}}
    client = _client(account)
    first, drawn = _get(client, "/jobs/")
    response_cache.responses.clear()  # another worker or web host
    again, remembered = _get(client, "/jobs/")
    assert remembered < drawn
    assert _without_tokens(again.content.decode()) == _without_tokens(first.content.decode())


def test_a_single_photo_or_album_is_not_remembered(account):
    """Rarely asked for twice within the seconds set: remembering would only cost."""
    api = _api(account)
    for url in (f"/api/v1/photos/{account['photos'][0]}/", f"/api/v1/albums/{account['albums'][0]}/"):
        _, drawn = _get(api, url)
        assert _get(api, url)[1] == drawn


def test_only_a_signed_in_get_is_remembered(account, anon_client):
    assert Album.objects.exists()
    _, drawn = _get(anon_client, "/")  # the landing page
    assert _get(anon_client, "/")[1] == drawn
    assert len(response_cache.responses) == 0

"""Cached rows and fragments (restoreapp/fragment_cache.py, restoreapp/api_row_cache.py) never
show stale data: every change to a row's object, however it is written (queryset updates send
no signal), the language, the plan, the live workers, the host and the CSRF token of the
session are all reflected on the next request, while unchanged rows are reused."""

import os
import random
import re
import subprocess
import sys
from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from albums.models import Photo
from billing.models import BillingProfile
from enhance.bench.seed import announce_worker, seed_user
from enhance.capabilities.models import WorkerCapability
from enhance.models import Job, JobStatus
from enhance.notifications.models import Notification
from restoreapp.fragment_cache import RowCache, cache


@pytest.fixture(autouse=True)
def _draw_every_visit(settings):
    """These tests are about rows and fragments: whole remembered responses (restoreapp/response_cache.py,
    tests/test_response_cache.py) would answer the second visit without drawing anything."""
    settings.RESPONSE_CACHE_SECONDS = 0


@pytest.fixture
def account(db):
    announce_worker()
    return seed_user(0, photos=8, jobs=12, albums=2, rng=random.Random(3))


def _page(account, url: str, client: Client | None = None, **headers) -> str:
    client = client or Client()
    client.cookies["sessionid"] = account["session"]
    response = client.get(url, **headers)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def _job_row(html: str, job_id: int) -> str:
    start = html.index(f'id="job-{job_id}"')
    return html[start:html.index("</li>", start)]


def test_rows_are_reused_and_a_queryset_update_shows_at_once(account):
    job = Job.objects.filter(owner__email=account["email"], status=JobStatus.RUNNING).first() or \
        Job.objects.filter(owner__email=account["email"]).first()
    Job.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, progress=40, stage="inference")
    first = _page(account, "/jobs/")
    assert 'data-width="40"' in _job_row(first, job.pk)

    hits = cache.hits
    again = _page(account, "/jobs/")
    assert cache.hits > hits  # unchanged rows came from the cache
    assert _without_tokens(_job_row(again, job.pk)) == _without_tokens(_job_row(first, job.pk))

    Job.objects.filter(pk=job.pk).update(progress=75)  # no signal, no timestamp: only the values change
    after = _page(account, "/jobs/")
    assert 'data-width="75"' in _job_row(after, job.pk)

    Job.objects.filter(pk=job.pk).update(status=JobStatus.FAILED, error="The photo could not be read.")
    failed = _job_row(_page(account, "/jobs/"), job.pk)
    assert 'data-status="failed"' in failed and "could not be read" in failed and "data-job-progress" not in failed


def test_a_renamed_photo_shows_its_new_title_on_the_grid(account):
    photo = Photo.objects.get(pk=account["photos"][0])
    assert f'title="{photo.title}"' in _page(account, "/")
    Photo.objects.filter(pk=photo.pk).update(title="Grandma at the lake")
    html = _page(account, "/")
    assert 'title="Grandma at the lake"' in html and f'title="{photo.title}"' not in html


def test_rows_follow_the_language(account):
    english = _page(account, "/jobs/")
    korean = _page(account, "/jobs/", HTTP_ACCEPT_LANGUAGE="ko")
    assert ">Delete</button>" in english
    assert ">Delete</button>" not in korean and ">삭제</button>" in korean


def _without_tokens(html: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)


def _tokens(html: str) -> set[str]:
    return set(re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', html))


def test_each_session_gets_its_own_csrf_token_in_cached_rows_and_it_works(account):
    job = Job.objects.filter(owner__email=account["email"]).exclude(status__in=["queued", "running"]).first()
    first_client, second_client = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    first = _page(account, "/jobs/", first_client)
    # A second session of the same person (another browser): its own CSRF cookie and token.
    second = _page(account, "/jobs/", second_client)
    assert "row-cache-csrf-" not in first + second
    assert first_client.cookies["csrftoken"].value != second_client.cookies["csrftoken"].value

    token = next(iter(_tokens(_job_row(second, job.pk) + "</li>" + second)))
    response = second_client.post(f"/jobs/{job.pk}/delete/", {"csrfmiddlewaretoken": token})
    assert response.status_code in (200, 302)
    assert not Job.objects.filter(pk=job.pk).exists()


def test_the_batch_form_follows_the_plan_and_the_live_workers(account):
    def batch_form() -> str:
        html = _page(account, "/jobs/")
        return html[html.index("<details"):html.index("</details>")]

    pro = batch_form()
    assert "Included in the Pro plan" not in pro and "not available right now" not in pro

    BillingProfile.objects.filter(user__email=account["email"]).update(granted_plan="")
    assert "Included in the Pro plan" in batch_form()  # models outside Free are locked, with why

    WorkerCapability.objects.all().delete()
    assert "not available right now" in batch_form()


def test_notification_rows_say_how_long_ago_now(account):
    note = Notification.objects.filter(user__email=account["email"]).first()
    Notification.objects.filter(pk=note.pk).update(created_at=timezone.now() - timedelta(minutes=3))
    assert "3 minutes ago" in _page(account, "/notifications/").replace("\xa0", " ")
    Notification.objects.filter(pk=note.pk).update(created_at=timezone.now() - timedelta(hours=5))
    assert "5 hours ago" in _page(account, "/notifications/").replace("\xa0", " ")


def _api(account, url: str, **headers) -> dict:
    response = Client().get(url, HTTP_AUTHORIZATION=f"Token {account['token']}", **headers)
    assert response.status_code == 200, response.content
    return response.json()


def test_api_rows_follow_the_object_the_host_and_the_language(account):
    job = Job.objects.filter(owner__email=account["email"]).first()
    Job.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, progress=10, stage="done")
    row = next(item for item in _api(account, "/api/v1/jobs/")["results"] if item["id"] == job.pk)
    assert row["progress"] == 10 and row["url"].startswith("http://testserver/")

    Job.objects.filter(pk=job.pk).update(progress=60)
    row = next(item for item in _api(account, "/api/v1/jobs/")["results"] if item["id"] == job.pk)
    assert row["progress"] == 60

    other_host = _api(account, "/api/v1/jobs/", HTTP_HOST="127.0.0.1")
    assert next(item for item in other_host["results"] if item["id"] == job.pk)["url"].startswith("http://127.0.0.1/")

    korean = _api(account, "/api/v1/jobs/", HTTP_ACCEPT_LANGUAGE="ko")
    assert row["stage"] == "Finishing"
    assert next(item for item in korean["results"] if item["id"] == job.pk)["stage"] not in ("", "Finishing")


def test_api_photo_rows_follow_the_plan(account):
    Photo.objects.filter(pk=account["photos"][0]).update(width=3000, height=2000)  # 6 MP: above Free's limit
    rows = {item["id"]: item for item in _api(account, "/api/v1/photos/")["results"]}
    assert rows[account["photos"][0]]["above_plan_limit"] is False  # Pro (granted) takes it
    BillingProfile.objects.filter(user__email=account["email"]).update(granted_plan="")
    rows = {item["id"]: item for item in _api(account, "/api/v1/photos/")["results"]}
    assert rows[account["photos"][0]]["above_plan_limit"] is True


def test_the_row_cache_is_bounded_and_forgets_the_oldest_first():
    rows = RowCache(3)
    for n in range(5):
        rows.put(bytes([n]), f"row {n}")
    assert len(rows) == 3 and rows.get(b"\x00") is None and rows.get(b"\x04") == "row 4"
    rows.get(b"\x02")  # used: now the newest
    rows.put(b"\x05", "row 5")
    assert rows.get(b"\x03") is None and rows.get(b"\x02") == "row 2"


@pytest.fixture
def shared_rows(settings):
    """A shared tier for the rows (Redis in production; a local cache stands in here)."""
    settings.CACHES = {**settings.CACHES, "rows": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "test-shared-rows"}}
    from django.core.cache import caches

    caches["rows"].clear()
    yield caches["rows"]
    caches["rows"].clear()


def test_another_process_reuses_rows_from_the_shared_tier(account, shared_rows):
    first = _page(account, "/jobs/")
    assert len(shared_rows._cache) >= 12  # the page's 12 job rows went to the shared tier

    cache.clear()  # another worker or web host: nothing of its own yet
    misses = cache.misses
    again = _page(account, "/jobs/")
    assert _without_tokens(again) == _without_tokens(first)
    assert len(cache) >= 12 and cache.misses - misses >= 12  # found in the shared tier, kept locally


def test_a_new_release_never_reuses_rows_drawn_by_the_old_one(account, shared_rows, monkeypatch):
    from restoreapp import shared_tier

    _page(account, "/jobs/")
    names = set(shared_rows._cache)
    cache.clear()
    monkeypatch.setitem(shared_tier._state, "release", "another-release")
    _page(account, "/jobs/")
    assert set(shared_rows._cache) - names  # drawn again under the new release's names
    assert all(":another-release:" not in name for name in names)


def test_the_cached_top_bar_sends_each_page_back_to_itself_after_a_language_change(account):
    first = _page(account, "/jobs/?status=failed&q=<b>")
    assert 'name="next" type="hidden" value="/jobs/?status=failed&amp;q=%3Cb%3E"' in first
    hits = cache.hits
    second = _page(account, "/notifications/")
    assert cache.hits > hits  # the top bar came from the cache...
    assert 'name="next" type="hidden" value="/notifications/"' in second  # ...with this page's path


def _markers_in_a_new_process(secret_key: str) -> list[str]:
    script = ("import django; django.setup(); from restoreapp import fragment_cache as f; "
              "print(f.CSRF_MARKER); print(f.PATH_MARKER)")
    env = {**os.environ, "SECRET_KEY": secret_key, "DJANGO_SETTINGS_MODULE": "restoreapp.settings"}
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120,
                          cwd=settings.BASE_DIR, check=True)
    return done.stdout.split()


def test_every_process_of_a_deployment_draws_rows_with_the_same_markers():
    """A row drawn by one gunicorn worker is filled in by another: with per-process markers the
    other left its own marker in place of the CSRF token (the photo page's Cancel and Delete
    failed about every other time under gunicorn)."""
    from restoreapp.fragment_cache import CSRF_MARKER, PATH_MARKER

    assert _markers_in_a_new_process(settings.SECRET_KEY) == [CSRF_MARKER, PATH_MARKER]
    # Derived from the SECRET_KEY, so nobody outside can type one into a title.
    other = _markers_in_a_new_process("another-deployment-" + "k" * 40)
    assert not {CSRF_MARKER, PATH_MARKER} & set(other)

"""Every page and API route of the load test's mix, and the admin lists, run a fixed number of
queries whatever the number of rows on them: a library twice as large (photos, albums, jobs,
notifications) costs no more queries. A new N+1 fails here before it shows in the load test."""

import random

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from enhance.bench.seed import announce_worker, seed_user

PAGES = [
    "/", "/albums/{album}/", "/photos/{photo}/", "/jobs/", "/notifications/", "/jobs/status.json?ids={active}",
    "/notifications/unread.json?after=0",
]
API = [
    "/api/v1/photos/", "/api/v1/photos/{photo}/", "/api/v1/albums/", "/api/v1/jobs/", "/api/v1/jobs/{job}/",
    "/api/v1/models/", "/api/v1/me/",
]
ADMIN = ["/admin/albums/album/", "/admin/albums/photo/", "/admin/enhance/job/", "/admin/accounts/user/"]


def _library(index: int, scale: int) -> dict:
    # Below every page size (25 jobs, 50 API rows, 60 photos): more rows means more rows rendered.
    return seed_user(index, photos=6 * scale, jobs=10 * scale, albums=2 * scale, rng=random.Random(index))


def _count(client: Client, url: str, **headers) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, **headers)
    assert response.status_code == 200, (url, response.status_code)
    return len(queries.captured_queries)


def _urls(templates: list[str], account: dict) -> list[str]:
    ids = {"album": account["albums"][1], "photo": account["photos"][0], "job": account["jobs"][0],
           "active": ",".join(map(str, account["active_jobs"][:10]))}
    return [template.format(**ids) for template in templates]



@pytest.fixture(autouse=True)
def _draw_every_visit(settings):
    """These tests are about the queries of drawing each page: whole remembered responses (restoreapp/response_cache.py,
    tests/test_response_cache.py) would answer the second visit without drawing anything."""
    settings.RESPONSE_CACHE_SECONDS = 0


@pytest.fixture
def libraries(db):
    announce_worker()
    return _library(0, 1), _library(1, 2)


def _counts(libraries, templates, **headers):
    small, large = libraries
    counts = {}
    for name, account in (("small", small), ("large", large)):
        client = Client()
        client.cookies["sessionid"] = account["session"]
        extra = {"HTTP_AUTHORIZATION": f"Token {account['token']}"} if headers.get("api") else {}
        for template, url in zip(templates, _urls(templates, account), strict=True):
            _count(client, url, **extra)  # the first visit may fill per-process caches
            counts.setdefault(template, {})[name] = _count(client, url, **extra)
    return counts


def test_pages_run_the_same_queries_for_twice_the_rows(libraries):
    counts = _counts(libraries, PAGES)
    print(counts)
    assert {url: c for url, c in counts.items() if c["small"] != c["large"]} == {}


def test_api_routes_run_the_same_queries_for_twice_the_rows(libraries):
    counts = _counts(libraries, API, api=True)
    print(counts)
    assert {url: c for url, c in counts.items() if c["small"] != c["large"]} == {}


def test_admin_lists_run_the_same_queries_for_twice_the_rows(libraries):
    from accounts.models import User

    User.objects.filter(email__in=["load0@example.com", "load1@example.com"]).update(is_staff=True, is_superuser=True)
    counts = _counts(libraries, ADMIN)
    print(counts)
    assert {url: c for url, c in counts.items() if c["small"] != c["large"]} == {}

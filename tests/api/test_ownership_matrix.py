"""Every route and method as the owner, another user and an anonymous caller.

The other user must get exactly what a missing object gets (404, or 400 for a foreign key
in a body), never the owner's data, and nothing of the owner's may change.
"""

from dataclasses import dataclass, field

import pytest

from tests import factories
from tests.api.conftest import token_client

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Route:
    method: str
    path: str  # {album} {photo} {job} {done} are the owner's objects
    owner: int
    other: int
    body: dict | None = None
    multipart: bool = False
    extra: dict = field(default_factory=dict)

    def __str__(self):
        return f"{self.method} {self.path}"


def _upload_body(ids):
    return {"file": factories.upload_file(factories.image_bytes()), "album": ids["album"], "title": "x"}


ROUTES = [
    Route("GET", "/api/v1/me/", 200, 200),
    Route("GET", "/api/v1/models/", 200, 200),
    Route("GET", "/api/v1/albums/", 200, 200),
    Route("POST", "/api/v1/albums/", 201, 201, {"name": "New"}),
    Route("GET", "/api/v1/albums/{album}/", 200, 404),
    Route("PUT", "/api/v1/albums/{album}/", 200, 404, {"name": "Renamed"}),
    Route("PATCH", "/api/v1/albums/{album}/", 200, 404, {"name": "Renamed"}),
    Route("DELETE", "/api/v1/albums/{album}/", 204, 404),
    Route("GET", "/api/v1/photos/", 200, 200),
    Route("GET", "/api/v1/photos/?album={album}", 200, 200),
    # Uploading into someone else's album is a bad foreign key: 400, and nothing stored.
    Route("POST", "/api/v1/photos/", 201, 400, multipart=True),
    Route("GET", "/api/v1/photos/{photo}/", 200, 404),
    Route("PATCH", "/api/v1/photos/{photo}/", 200, 404, {"title": "Mine now"}),
    Route("DELETE", "/api/v1/photos/{photo}/", 204, 404),
    Route("GET", "/api/v1/photos/{photo}/original/", 200, 404),
    Route("GET", "/api/v1/photos/{photo}/thumbnail/", 200, 404),
    Route("GET", "/api/v1/jobs/", 200, 200),
    Route("GET", "/api/v1/jobs/?photo={photo}", 200, 200),
    # Submitting a job on someone else's photo: a bad foreign key, 400.
    Route("POST", "/api/v1/jobs/", 202, 400, {"photo": "{photo}", "model": "waifu2x", "options": {}}),
    Route("GET", "/api/v1/jobs/{job}/", 200, 404),
    Route("POST", "/api/v1/jobs/{job}/cancel/", 200, 404),
    # The photo is a JPEG: "original" and "jpeg" are made by a worker on first request (202).
    Route("GET", "/api/v1/jobs/{done}/result/", 202, 404),
    Route("GET", "/api/v1/jobs/{done}/result/?format=jpeg", 202, 404),
    Route("GET", "/api/v1/jobs/{done}/result/?format=png", 200, 404),
    Route("DELETE", "/api/v1/auth/token/", 204, 204),
]


@pytest.fixture
def owned(owner, album, photo, job, finished_job):
    return {"album": album.pk, "photo": photo.pk, "job": job.pk, "done": finished_job.pk}


def _call(client, route: Route, ids: dict):
    path = route.path.format(**ids)
    send = getattr(client, route.method.lower())
    if route.multipart:
        return send(path, _upload_body(ids), format="multipart")
    if route.body is None:
        return send(path)
    body = {key: int(value.format(**ids)) if isinstance(value, str) and "{" in value else value
            for key, value in route.body.items()}
    return send(path, body, format="json")


def _snapshot(owner):
    from albums.models import Album, Photo
    from enhance.models import Job

    return (
        sorted(Album.objects.filter(owner=owner).values_list("id", "name")),
        sorted(Photo.objects.filter(owner=owner).values_list("id", "title", "album_id")),
        sorted(Job.objects.filter(owner=owner).values_list("id", "status")),
    )


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_owner(route, owned, owner):
    response = _call(token_client(owner), route, owned)
    assert response.status_code == route.owner, getattr(response, "data", response)


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_other_user_gets_nothing_of_the_owners(route, owned, owner, other_user):
    before = _snapshot(owner)
    response = _call(token_client(other_user), route, owned)
    assert response.status_code == route.other, getattr(response, "data", response)
    assert _snapshot(owner) == before
    if response.get("Content-Type", "").startswith("application/json"):
        body = response.json()
        if route.other >= 400:
            assert set(body) == {"error"}
            assert body["error"]["code"] in {"not_found", "does_not_exist"}
        elif isinstance(body, dict) and "results" in body:
            assert body["results"] == []  # the other user owns nothing yet


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_anonymous_is_asked_to_authenticate(route, owned, anon_api, owner):
    before = _snapshot(owner)
    response = _call(anon_api, route, owned)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json()["error"]["code"] == "not_authenticated"
    assert _snapshot(owner) == before


def test_the_public_routes_are_the_only_ones_without_authentication(anon_api):
    from django.urls import get_resolver

    assert anon_api.post("/api/v1/auth/register/", {}).status_code == 400
    assert anon_api.post("/api/v1/auth/token/", {}).status_code == 400
    assert anon_api.get("/api/schema/").status_code == 200
    assert anon_api.get("/api/docs/").status_code == 200
    # Every API route is in the matrix above (or is one of the public ones just checked).
    covered = {route.path.split("?")[0] for route in ROUTES} | {"/api/v1/auth/register/", "/api/v1/auth/token/"}
    patterns = _api_patterns(get_resolver())
    missing = {p for p in patterns if not any(_matches(p, c) for c in covered)}
    assert not missing


def _api_patterns(resolver, prefix=""):
    from django.urls import URLPattern, URLResolver

    found = set()
    for entry in resolver.url_patterns:
        text = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            found |= _api_patterns(entry, text)
        elif isinstance(entry, URLPattern) and text.startswith("api/v1/"):
            found.add("/" + text)
    return found


def _matches(pattern: str, concrete: str) -> bool:
    import re

    regex = re.sub(r"<[^>]+>", r"[^/]+", pattern)
    concrete = re.sub(r"\{[a-z]+\}", "1", concrete)
    return re.fullmatch(regex, concrete) is not None

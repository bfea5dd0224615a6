"""A request body is read only in an encoding that can say everything the operation takes.

A job's `options` is an object: form encodings cannot carry it, and a server that read them
ran the job with the defaults instead of what was asked. Every JSON-bodied operation takes JSON
only (415 otherwise); the photo upload takes multipart/form-data only."""

import json
from urllib.parse import urlencode

import pytest
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

from albums.models import Album
from enhance.models import Job

pytestmark = pytest.mark.django_db

JOBS = "/api/v1/jobs/"
ASKED = {"style": "photo", "scale": 4, "noise": 3}  # none of them the default
ENCODINGS = ("application/json", "application/x-www-form-urlencoded", "multipart/form-data", "text/plain")


def _encode(media_type: str, fields: dict) -> tuple[str, str | bytes]:
    """The body a client would send in this encoding (nested values as JSON text where the
    encoding has no nesting of its own)."""
    flat = {key: json.dumps(value) if isinstance(value, dict) else value for key, value in fields.items()}
    if media_type == "application/json":
        return media_type, json.dumps(fields)
    if media_type == "application/x-www-form-urlencoded":
        return media_type, urlencode(flat)
    if media_type == "multipart/form-data":
        return MULTIPART_CONTENT, encode_multipart(BOUNDARY, flat)
    return media_type, json.dumps(fields)


@pytest.fixture(scope="module")
def served_schema(django_db_blocker):
    from drf_spectacular.generators import SchemaGenerator

    with django_db_blocker.unblock():
        return SchemaGenerator().get_schema(request=None, public=True)


def test_the_schema_offers_json_only_except_for_the_upload(served_schema):
    for path, methods in served_schema["paths"].items():
        for method, operation in methods.items():
            if "requestBody" not in operation:
                continue
            offered = list(operation["requestBody"]["content"])
            if (path, method) == ("/api/v1/photos/", "post"):
                assert offered == ["multipart/form-data"]
            else:
                assert offered == ["application/json"], (method, path, offered)


@pytest.mark.parametrize("media_type", ENCODINGS)
def test_a_job_keeps_its_options_or_is_refused_in_every_encoding(owner_api, photo, media_type, served_schema):
    accepted = list(served_schema["paths"][JOBS]["post"]["requestBody"]["content"])
    content_type, body = _encode(media_type, {"photo": photo.pk, "model": "waifu2x", "options": ASKED})
    response = owner_api.generic("POST", JOBS, body, content_type=content_type)
    if media_type in accepted:
        assert response.status_code == 202, response.json()
        assert response.json()["options"] == ASKED
        assert Job.objects.get().options == ASKED
    else:
        assert response.status_code == 415, response.content
        error = response.json()["error"]
        assert error["code"] == "unsupported_media_type"
        assert media_type in error["message"]  # says which encoding was refused
        assert not Job.objects.exists()


@pytest.mark.parametrize("media_type", ["application/x-www-form-urlencoded", "multipart/form-data"])
@pytest.mark.parametrize(
    ("method", "path", "fields"),
    [
        ("POST", "/api/v1/auth/register/", {"email": "new@example.com", "password": "a long passphrase 42"}),
        ("POST", "/api/v1/auth/token/", {"email": "owner@example.com", "password": "x"}),
        ("POST", "/api/v1/albums/", {"name": "Trip"}),
        ("PATCH", "/api/v1/albums/{album}/", {"name": "Trip"}),
        ("PUT", "/api/v1/albums/{album}/", {"name": "Trip"}),
        ("PATCH", "/api/v1/photos/{photo}/", {"title": "Renamed"}),
    ],
)
def test_form_encodings_are_refused_everywhere_else(owner_api, album, photo, media_type, method, path, fields):
    content_type, body = _encode(media_type, fields)
    response = owner_api.generic(method, path.format(album=album.pk, photo=photo.pk), body,
                                 content_type=content_type)
    assert response.status_code == 415, response.content
    assert response.json()["error"]["code"] == "unsupported_media_type"
    assert Album.objects.get(pk=album.pk).name == "Summer 1968"
    photo.refresh_from_db()
    assert photo.title == "Grandma"


def test_the_upload_takes_multipart_only(owner_api):
    response = owner_api.generic("POST", "/api/v1/photos/", urlencode({"title": "x"}),
                                 content_type="application/x-www-form-urlencoded")
    assert response.status_code == 415
    assert response.json()["error"]["code"] == "unsupported_media_type"

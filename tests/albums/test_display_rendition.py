"""An original's display rendition: made at upload, made by a worker for photos stored before,
served like every private file, deleted with the photo."""

import io

import pytest
from django.core.files.storage import default_storage
from django.db import transaction
from django.urls import reverse
from PIL import Image

from albums import tasks
from albums.renditions import display_name
from tests.factories import image_bytes, make_photo, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def queued(monkeypatch):
    """What the display route queues for a worker (the task itself is run by the test)."""
    calls = []
    monkeypatch.setattr("django_q.tasks.async_task", lambda *args, **kwargs: calls.append(args))
    return calls


def stored_image(name: str) -> Image.Image:
    with default_storage.open(name, "rb") as handle:
        image = Image.open(io.BytesIO(handle.read()))
        image.load()
    return image


def test_a_large_upload_gets_a_1600_px_jpeg_rendition(owner):
    photo = make_photo(owner, data=image_bytes("JPEG", size=(2400, 1800)))
    view = stored_image(display_name(photo.original.name))
    assert view.format == "JPEG" and view.size == (1600, 1200)


def test_a_transparent_16_bit_sized_png_gets_an_opaque_rendition(owner):
    photo = make_photo(owner, data=image_bytes("PNG", size=(1800, 900), mode="RGBA", color=(0, 0, 0, 0)),
                       name="alpha.png")
    view = stored_image(display_name(photo.original.name))
    assert view.mode == "RGB" and view.size == (1600, 800)
    assert view.getpixel((1599, 799)) == (255, 255, 255)  # transparent shows as white, not black


def test_a_small_photo_is_its_own_rendition(owner_client, owner):
    photo = make_photo(owner, data=image_bytes("PNG", size=(640, 480)), name="small.png")
    assert not default_storage.exists(display_name(photo.original.name))
    response = owner_client.get(reverse("photo_display", args=[photo.pk]))
    assert response.status_code == 200
    with photo.original.open("rb") as handle:
        assert b"".join(response.streaming_content) == handle.read()


def test_the_rendition_is_served_privately_with_validators(owner_client, other_client, owner):
    photo = make_photo(owner, data=image_bytes("JPEG", size=(2000, 1000)))
    url = reverse("photo_display", args=[photo.pk])
    response = owner_client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert "private" in response["Cache-Control"] and response["ETag"]
    assert Image.open(io.BytesIO(b"".join(response.streaming_content))).size == (1600, 800)
    assert owner_client.get(url, HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304
    assert other_client.get(url).status_code == 404


def test_an_older_photo_gets_its_rendition_from_a_worker(owner_client, owner, queued):
    photo = make_photo(owner, data=image_bytes("JPEG", size=(3000, 2000)))
    name = display_name(photo.original.name)
    default_storage.delete(name)  # as stored before renditions existed
    url = reverse("photo_display", args=[photo.pk])

    waiting = owner_client.get(url)
    assert waiting.status_code == 202 and waiting["Retry-After"] == "2"
    assert waiting["Cache-Control"] == "no-store"
    assert owner_client.get(url).status_code == 202
    assert queued == [("albums.tasks.make_display", photo.pk)]  # queued once, not per request

    assert tasks.make_display(photo.pk) == name
    ready = owner_client.get(url)
    assert ready.status_code == 200
    assert Image.open(io.BytesIO(b"".join(ready.streaming_content))).size == (1600, 1067)


def test_a_rendition_that_cannot_be_made_is_a_404_not_a_500(owner_client, owner, queued):
    photo = make_photo(owner, data=image_bytes("JPEG", size=(2000, 1000)))
    default_storage.delete(display_name(photo.original.name))
    with default_storage.open(photo.original.name, "wb") as handle:
        handle.write(b"\xff\xd8 not a jpeg any more")
    url = reverse("photo_display", args=[photo.pk])
    assert owner_client.get(url).status_code == 202
    assert tasks.make_display(photo.pk) == "failed"
    assert owner_client.get(url).status_code == 404
    assert not default_storage.exists(display_name(photo.original.name))


@pytest.mark.django_db(transaction=True)
def test_the_rendition_is_deleted_with_the_photo():
    photo = make_photo(make_user(), data=image_bytes("JPEG", size=(2000, 1000)))
    name = display_name(photo.original.name)
    assert default_storage.exists(name)
    with transaction.atomic():
        photo.delete()
        assert default_storage.exists(name)  # not before the deletion commits
    assert not default_storage.exists(name)

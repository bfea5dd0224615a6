"""The hostile-upload suite: every lying or oversized file is refused with a 4xx and leaves nothing behind."""

import io

import pytest
from django.urls import reverse
from PIL import Image

from albums.models import Photo
from albums.upload_handlers import MULTIPART_OVERHEAD_BYTES
from tests.albums import hostile_files as hostile
from tests.factories import image_bytes, upload_file


def stored_files(media_root) -> list:
    return [path for path in media_root.rglob("*") if path.is_file()]


def upload(client, data: bytes, name: str, content_type: str):
    return client.post(reverse("photo_upload"), {"file": upload_file(data, name, content_type)})


REFUSED = [
    pytest.param(hostile.png_claiming(20000, 20000), "bomb.png", "image/png", 413, id="png-claiming-20000x20000"),
    pytest.param(hostile.png_claiming(10000, 10000), "big.png", "image/png", 413, id="png-claiming-10000x10000"),
    pytest.param(hostile.truncated_jpeg(), "cut.jpg", "image/jpeg", 400, id="truncated-jpeg"),
    pytest.param(b"", "empty.jpg", "image/jpeg", 400, id="empty-file"),
    pytest.param(hostile.TEXT, "notes.jpg", "image/jpeg", 415, id="text-named-jpg"),
    pytest.param(hostile.SVG, "drawing.svg", "image/svg+xml", 415, id="svg"),
    pytest.param(hostile.HTML, "page.png", "image/png", 415, id="html-named-png"),
    pytest.param(hostile.pdf(), "scan.jpg", "image/jpeg", 415, id="pdf-named-jpg"),
]


@pytest.mark.parametrize(("data", "name", "content_type", "status"), REFUSED)
def test_hostile_file_is_refused_and_leaves_nothing(owner_client, _isolated_media, data, name, content_type, status):
    response = upload(owner_client, data, name, content_type)
    assert response.status_code == status
    message = response.json()["error"]
    assert len(message) > 10  # a sentence a person can read, not a code
    assert not Photo.objects.exists()
    assert stored_files(_isolated_media) == []


def test_file_over_the_byte_cap_is_refused_while_streaming(owner_client, settings, _isolated_media):
    settings.UPLOAD_MAX_BYTES = 20_000
    data = image_bytes("PNG", size=(120, 140), compress_level=0)
    # Small enough that the declared body length passes: the streaming handler must catch it.
    assert settings.UPLOAD_MAX_BYTES < len(data) < settings.UPLOAD_MAX_BYTES + MULTIPART_OVERHEAD_BYTES - 2000
    response = upload(owner_client, data, "big.png", "image/png")
    assert response.status_code == 413
    assert "MB" in response.json()["error"]
    assert not Photo.objects.exists()
    assert stored_files(_isolated_media) == []


def test_body_over_the_byte_cap_is_refused_before_it_is_read(owner_client, settings, _isolated_media):
    settings.UPLOAD_MAX_BYTES = 20_000
    data = b"\xff\xd8" + b"\x00" * 300_000  # the declared length alone decides
    response = upload(owner_client, data, "huge.jpg", "image/jpeg")
    assert response.status_code == 413
    assert not Photo.objects.exists()
    assert stored_files(_isolated_media) == []


def test_default_cap_is_25_mb(owner_client, _isolated_media):
    data = b"\xff\xd8" + b"\x00" * (25 * 1024 * 1024 + 1)
    response = upload(owner_client, data, "huge.jpg", "image/jpeg")
    assert response.status_code == 413
    assert "25 MB" in response.json()["error"]
    assert stored_files(_isolated_media) == []


def test_pixel_cap_setting_is_enforced(owner_client, settings, _isolated_media):
    settings.UPLOAD_MAX_PIXELS = 1000
    response = upload(owner_client, image_bytes("PNG", size=(64, 48)), "small.png", "image/png")
    assert response.status_code == 413
    assert "64 × 48" in response.json()["error"]
    assert stored_files(_isolated_media) == []


def test_png_with_html_appended_is_stored_only_re_encoded(owner_client, _isolated_media):
    response = upload(owner_client, hostile.png_with_html_appended(), "trick.png", "image/png")
    assert response.status_code == 201
    photo = Photo.objects.get()
    stored = photo.original.read()
    assert hostile.APPENDED_HTML not in stored
    assert b"<html" not in stored.lower()
    assert stored.endswith(b"IEND\xaeB`\x82")  # nothing after the PNG's last chunk
    assert Image.open(io.BytesIO(stored)).size == (40, 30)


def test_jpeg_with_gps_is_stored_without_it(owner_client, _isolated_media):
    response = upload(owner_client, hostile.jpeg_with_gps(), "phone.jpg", "image/jpeg")
    assert response.status_code == 201
    photo = Photo.objects.get()
    for stored in (photo.original.read(), photo.thumbnail.read()):
        exif = Image.open(io.BytesIO(stored)).getexif()
        assert not exif.get_ifd(0x8825)
        assert 0x8825 not in exif
    assert "gps" not in photo.exif
    assert photo.exif["camera"] == "TestCam Model 1"  # the rest of EXIF is kept


def test_jpeg_with_gps_keeps_it_when_the_owner_asks(owner, owner_client, _isolated_media):
    owner.keep_gps = True
    owner.save()
    assert upload(owner_client, hostile.jpeg_with_gps(), "phone.jpg", "image/jpeg").status_code == 201
    photo = Photo.objects.get()
    gps = Image.open(photo.original.open()).getexif().get_ifd(0x8825)
    assert gps[1] == "N"
    assert float(gps[2][0]) == 37.0
    assert photo.exif["gps"].startswith("37.5")


def test_missing_file_field_is_400(owner_client):
    response = owner_client.post(reverse("photo_upload"), {})
    assert response.status_code == 400
    assert response.json()["error"]


def test_upload_without_csrf_token_is_refused(owner, _isolated_media):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    response = client.post(reverse("photo_upload"), {"file": upload_file(image_bytes())})
    assert response.status_code == 403
    assert not Photo.objects.exists()
    assert stored_files(_isolated_media) == []


def test_malformed_multipart_body_is_a_4xx_not_a_500(owner_client, _isolated_media):
    response = owner_client.generic(
        "POST",
        reverse("photo_upload"),
        b"--nonsense\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.jpg\"\r\n\r\n\xff\xd8",
        content_type="multipart/form-data; boundary=",
    )
    assert 400 <= response.status_code < 500
    assert not Photo.objects.exists()
    assert stored_files(_isolated_media) == []


def test_two_files_in_one_request_are_refused(owner_client, _isolated_media):
    response = owner_client.post(
        reverse("photo_upload"), {"file": [upload_file(image_bytes(), "a.jpg"), upload_file(image_bytes(), "b.jpg")]}
    )
    assert response.status_code == 400
    assert "one file" in response.json()["error"]
    assert stored_files(_isolated_media) == []


def test_refusal_message_is_in_the_users_language(owner, owner_client):
    owner.language = "ko"
    owner.save()
    response = upload(owner_client, hostile.TEXT, "notes.jpg", "image/jpeg")
    assert response.status_code == 415
    assert "지원하지 않는 이미지" in response.json()["error"]

"""photos/: upload (the web's checks through ingest_photo), list, detail, PATCH, DELETE, downloads."""

import io

import pytest
from django.urls import reverse
from PIL import Image

from albums.models import Photo
from albums.uploads import UploadRejected, ingest_photo
from tests import factories

pytestmark = pytest.mark.django_db

PHOTOS = "/api/v1/photos/"


def _upload(client, data: bytes, name="photo.jpg", **fields):
    return client.post(PHOTOS, {"file": factories.upload_file(data, name), **fields}, format="multipart")


def _stored_files(media) -> list:
    return sorted(p for p in media.rglob("*") if p.is_file())


def test_upload_creates_the_photo_and_says_where_it_is(owner_api, owner, album):
    response = _upload(owner_api, factories.image_bytes("PNG", size=(40, 30)), "cat.png", album=album.pk)
    assert response.status_code == 201, response.json()
    body = response.json()
    photo = Photo.objects.get(pk=body["id"], owner=owner)
    assert (body["width"], body["height"], body["format"], body["album"]) == (40, 30, "PNG", album.pk)
    assert body["title"] == "cat"
    assert response["Location"] == f"http://testserver{PHOTOS}{photo.pk}/"
    original = owner_api.get(body["original_url"])
    assert original.status_code == 200
    assert Image.open(io.BytesIO(b"".join(original.streaming_content))).size == (40, 30)


def test_upload_without_album_or_title(owner_api):
    response = _upload(owner_api, factories.image_bytes(), "IMG_0001.jpg")
    assert response.status_code == 201
    assert response.json()["album"] is None
    assert response.json()["title"] == "IMG_0001"


def _bad_uploads():
    jpeg = factories.image_bytes("JPEG", size=(64, 48))
    return {
        "empty": (b"", "empty.jpg"),
        "text": (b"hello, this is not an image at all", "notes.jpg"),
        "truncated": (jpeg[: len(jpeg) // 2], "cut.jpg"),
        "gif": (factories.image_bytes("GIF", size=(8, 8), mode="P"), "anim.gif"),
        "too_many_pixels": (factories.image_bytes("PNG", size=(300, 300)), "big.png"),
        "too_many_bytes": (factories.image_bytes("PNG", size=(200, 200)) + b"\0" * 30_000, "heavy.png"),
    }


@pytest.mark.parametrize("case", list(_bad_uploads()))
def test_refused_uploads_get_exactly_the_webs_answer_and_leave_nothing(case, owner_api, owner, settings,
                                                                       _isolated_media):
    settings.UPLOAD_MAX_PIXELS = 50_000
    settings.UPLOAD_MAX_BYTES = 20_000
    data, name = _bad_uploads()[case]
    with pytest.raises(UploadRejected) as expected:
        ingest_photo(owner, factories.upload_file(data, name))

    response = _upload(owner_api, data, name)
    assert response.status_code == expected.value.status
    assert response.json()["error"]["message"] == expected.value.message
    assert Photo.objects.count() == 0
    assert _stored_files(_isolated_media) == []


@pytest.mark.parametrize("case", list(_bad_uploads()))
def test_refusals_match_the_web_upload_endpoint(case, owner_api, owner_client, settings):
    settings.UPLOAD_MAX_PIXELS = 50_000
    settings.UPLOAD_MAX_BYTES = 20_000
    data, name = _bad_uploads()[case]
    web = owner_client.post(reverse("photo_upload"), {"file": factories.upload_file(data, name)})
    api = _upload(owner_api, data, name)
    assert (api.status_code, api.json()["error"]["message"]) == (web.status_code, web.json()["error"])


def test_a_body_far_over_the_cap_is_refused_before_it_is_read(owner_api, owner, settings, _isolated_media):
    settings.UPLOAD_MAX_BYTES = 1_000
    data = factories.image_bytes("PNG", size=(64, 64)) + b"\0" * 200_000
    with pytest.raises(UploadRejected) as expected:
        ingest_photo(owner, factories.upload_file(data, "huge.png"))
    response = _upload(owner_api, data, "huge.png")
    assert response.status_code == 413
    assert response.json()["error"] == {"code": "too_large", "message": expected.value.message}
    assert _stored_files(_isolated_media) == []


def test_upload_without_a_file_names_the_field(owner_api):
    response = owner_api.post(PHOTOS, {"title": "nothing"}, format="multipart")
    assert response.status_code == 400
    assert "file" in response.json()["error"]["fields"]


def test_upload_as_json_is_refused_with_a_reason(owner_api):
    response = owner_api.post(PHOTOS, {"file": "aGVsbG8="}, format="json")
    assert response.status_code == 415  # a file travels as multipart/form-data only
    error = response.json()["error"]
    assert error["code"] == "unsupported_media_type"
    assert "application/json" in error["message"]


def test_list_filters_by_album_and_orders(owner_api, owner, album):
    other_album = factories.make_album(owner, "Other")
    first = factories.make_photo(owner, album, title="b first")
    second = factories.make_photo(owner, other_album, title="a second")
    loose = factories.make_photo(owner, None, title="c loose")

    newest_first = [p["id"] for p in owner_api.get(PHOTOS).json()["results"]]
    assert newest_first == [loose.pk, second.pk, first.pk]
    in_album = owner_api.get(PHOTOS, {"album": album.pk}).json()
    assert [p["id"] for p in in_album["results"]] == [first.pk]
    by_title = owner_api.get(PHOTOS, {"ordering": "title"}).json()["results"]
    assert [p["title"] for p in by_title] == ["a second", "b first", "c loose"]
    oldest_first = owner_api.get(PHOTOS, {"ordering": "uploaded_at"}).json()["results"]
    assert [p["id"] for p in oldest_first] == [first.pk, second.pk, loose.pk]


@pytest.mark.parametrize("query", [{"album": "abc"}, {"album": "0"}, {"ordering": "owner"}, {"page": "99"}])
def test_list_refuses_bad_query_values(owner_api, photo, query):
    response = owner_api.get(PHOTOS, query)
    assert response.status_code in (400, 404)
    assert response.json()["error"]["message"]


def test_list_is_paginated(owner_api, owner):
    for n in range(3):
        factories.make_photo(owner, title=f"p{n}")
    page = owner_api.get(PHOTOS, {"page_size": 2}).json()
    assert page["count"] == 3
    assert len(page["results"]) == 2
    assert page["next"].endswith("page=2&page_size=2")
    assert len(owner_api.get(page["next"]).json()["results"]) == 1


def test_patch_moves_and_renames(owner_api, owner, photo):
    target = factories.make_album(owner, "Target")
    response = owner_api.patch(f"{PHOTOS}{photo.pk}/", {"title": "New title", "album": target.pk}, format="json")
    assert response.status_code == 200
    assert response.json()["album"] == target.pk
    photo.refresh_from_db()
    assert (photo.title, photo.album_id) == ("New title", target.pk)
    cleared = owner_api.patch(f"{PHOTOS}{photo.pk}/", {"album": None}, format="json")
    assert cleared.json()["album"] is None


def test_patch_into_someone_elses_album_is_a_bad_request(owner_api, photo, other_user):
    foreign = factories.make_album(other_user, "Not yours")
    response = owner_api.patch(f"{PHOTOS}{photo.pk}/", {"album": foreign.pk}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["album"] == [f"No such object among yours (id {foreign.pk})."]
    photo.refresh_from_db()
    assert photo.album_id != foreign.pk


def test_patch_ignores_read_only_fields(owner_api, photo):
    response = owner_api.patch(f"{PHOTOS}{photo.pk}/", {"width": 1, "format": "GIF"}, format="json")
    assert response.status_code == 200
    photo.refresh_from_db()
    assert (photo.width, photo.format) == (64, "JPEG")


def test_put_is_not_offered(owner_api, photo):
    response = owner_api.put(f"{PHOTOS}{photo.pk}/", {"title": "x"}, format="json")
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"


def test_delete_removes_the_row_and_its_files(owner_api, photo, _isolated_media, django_capture_on_commit_callbacks):
    assert _stored_files(_isolated_media)
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_api.delete(f"{PHOTOS}{photo.pk}/")
    assert response.status_code == 204
    assert not Photo.objects.filter(pk=photo.pk).exists()
    assert _stored_files(_isolated_media) == []


def test_original_and_thumbnail_downloads(owner_api, photo):
    original = owner_api.get(f"{PHOTOS}{photo.pk}/original/", HTTP_ACCEPT="image/*")
    assert original.status_code == 200
    assert original["Content-Type"] == "image/jpeg"
    assert original["Content-Disposition"] == 'inline; filename="Grandma.jpg"'
    assert "private" in original["Cache-Control"]
    thumbnail = owner_api.get(f"{PHOTOS}{photo.pk}/thumbnail/")
    assert thumbnail["Content-Type"] == "image/jpeg"
    assert Image.open(io.BytesIO(b"".join(thumbnail.streaming_content))).format == "JPEG"

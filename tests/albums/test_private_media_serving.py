"""Private files: the access check stays in Django, the bytes do not (X-Accel-Redirect to
nginx, presigned URLs on S3); validators and a long private lifetime make revalidation a 304."""

from django.urls import reverse

from tests.factories import make_photo


def test_files_carry_validators_and_a_long_private_lifetime(owner_client, photo):
    response = owner_client.get(reverse("photo_thumbnail", args=[photo.pk]))
    assert response.status_code == 200
    assert response["ETag"].startswith('"') and response["Last-Modified"].endswith("GMT")
    assert "private" in response["Cache-Control"] and "max-age=86400" in response["Cache-Control"]
    assert "public" not in response["Cache-Control"]


def test_revalidation_is_a_304_without_the_body(owner_client, photo):
    url = reverse("photo_original", args=[photo.pk])
    first = owner_client.get(url)
    by_etag = owner_client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert by_etag.status_code == 304 and by_etag.content == b""
    assert by_etag["ETag"] == first["ETag"] and "private" in by_etag["Cache-Control"]
    by_date = owner_client.get(url, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert by_date.status_code == 304
    changed = owner_client.get(url, HTTP_IF_NONE_MATCH='"something-else"')
    assert changed.status_code == 200 and b"".join(changed.streaming_content)


def test_the_access_check_comes_before_any_validator(other_client, photo, owner_client):
    etag = owner_client.get(reverse("photo_original", args=[photo.pk]))["ETag"]
    assert other_client.get(reverse("photo_original", args=[photo.pk]), HTTP_IF_NONE_MATCH=etag).status_code == 404


def test_behind_nginx_the_file_is_handed_to_nginx(owner_client, owner, settings):
    settings.PRIVATE_MEDIA_ACCEL = True
    photo = make_photo(owner, title="할머니 사진")
    response = owner_client.get(reverse("photo_download", args=[photo.pk]))
    assert response.status_code == 200 and response.content == b""
    assert response["X-Accel-Redirect"] == f"/_private_media/{photo.original.name}"
    assert response["Content-Type"] == "image/jpeg"
    assert response["Content-Disposition"].startswith("attachment; filename*=UTF-8''%ED%95%A0")
    assert response["ETag"] and "private" in response["Cache-Control"]
    thumbnail = owner_client.get(reverse("photo_thumbnail", args=[photo.pk]))
    assert thumbnail["X-Accel-Redirect"].endswith(photo.thumbnail.name)
    assert thumbnail["Content-Disposition"].startswith("inline")


def test_a_missing_file_is_still_404_behind_nginx(owner_client, photo, settings):
    settings.PRIVATE_MEDIA_ACCEL = True
    photo.original.storage.delete(photo.original.name)
    assert owner_client.get(reverse("photo_original", args=[photo.pk])).status_code == 404

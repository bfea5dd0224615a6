"""What the owner's actions do: albums created, renamed, deleted; photos renamed, moved, deleted, downloaded."""

import pytest
from django.db import transaction
from django.urls import reverse

from albums.models import Album, Photo
from tests.factories import make_album, make_photo


def test_album_rename(owner_client, album):
    response = owner_client.post(reverse("album_rename", args=[album.pk]), {"name": "Summer 1969"})
    assert response.status_code == 302
    album.refresh_from_db()
    assert album.name == "Summer 1969"


@pytest.mark.parametrize(("name", "message"), [("   ", "name"), ("x" * 121, "120"), ("summer 1968", "already")])
def test_album_form_errors_are_400_next_to_the_field(owner_client, album, name, message):
    response = owner_client.post(reverse("album_create"), {"name": name})
    assert response.status_code == 400
    html = response.content.decode()
    assert "invalid-feedback" in html
    assert message in html
    assert Album.objects.count() == 1


def test_album_delete_keeps_its_photos(owner_client, album, photo):
    response = owner_client.post(reverse("album_delete", args=[album.pk]))
    assert response["Location"] == reverse("home")
    assert not Album.objects.exists()
    photo.refresh_from_db()
    assert photo.album is None
    assert photo.original.storage.exists(photo.original.name)
    assert reverse("photo_thumbnail", args=[photo.pk]) in owner_client.get(reverse("home")).content.decode()


def test_photo_rename_and_move(owner_client, owner, photo):
    other_album = make_album(owner, "Winter")
    data = {"title": " New  title ", "album": other_album.pk}
    response = owner_client.post(reverse("photo_update", args=[photo.pk]), data)
    assert response.status_code == 302
    photo.refresh_from_db()
    assert (photo.title, photo.album) == ("New title", other_album)


def test_photo_move_out_of_every_album(owner_client, photo):
    owner_client.post(reverse("photo_update", args=[photo.pk]), {"title": "t", "album": ""})
    photo.refresh_from_db()
    assert photo.album is None


def test_photo_cannot_move_into_someone_elses_album(owner_client, other_user, photo, album):
    foreign = make_album(other_user, "Not yours")
    response = owner_client.post(reverse("photo_update", args=[photo.pk]), {"title": "t", "album": foreign.pk})
    assert response.status_code == 400
    assert "Choose one of your albums" in response.content.decode()
    photo.refresh_from_db()
    assert photo.album == album


@pytest.mark.django_db(transaction=True)
def test_photo_delete_removes_row_and_files(client, owner):
    photo = make_photo(owner)
    files = [photo.original.name, photo.thumbnail.name]
    storage = photo.original.storage
    assert all(storage.exists(name) for name in files)
    client.force_login(owner)
    response = client.post(reverse("photo_delete", args=[photo.pk]))
    assert response["Location"] == reverse("home")
    assert not Photo.objects.exists()
    assert not any(storage.exists(name) for name in files)


@pytest.mark.django_db(transaction=True)
def test_rolled_back_delete_keeps_the_files(owner):
    photo = make_photo(owner)
    storage = photo.original.storage
    with pytest.raises(RuntimeError), transaction.atomic():
        Photo.objects.filter(pk=photo.pk).get().delete()
        raise RuntimeError("abort")
    assert Photo.objects.filter(pk=photo.pk).exists()
    assert storage.exists(photo.original.name)


def test_original_is_served_inline_and_download_as_attachment(owner_client, photo):
    inline = owner_client.get(reverse("photo_original", args=[photo.pk]))
    body = b"".join(inline.streaming_content)
    assert body == photo.original.open().read()
    assert inline["Content-Type"] == "image/jpeg"
    assert inline["Content-Disposition"].startswith("inline")
    assert "private" in inline["Cache-Control"]
    download = owner_client.get(reverse("photo_download", args=[photo.pk]))
    assert download["Content-Disposition"].startswith("attachment")
    assert 'filename="Grandma.jpg"' in download["Content-Disposition"]


def test_korean_title_download_name(owner_client, owner):
    photo = make_photo(owner, title="할머니 사진")
    response = owner_client.get(reverse("photo_download", args=[photo.pk]))
    assert "filename*=utf-8''%ED%95%A0" in response["Content-Disposition"]


def test_missing_file_is_404_not_500(owner_client, photo):
    photo.original.storage.delete(photo.original.name)
    assert owner_client.get(reverse("photo_original", args=[photo.pk])).status_code == 404


def test_photo_page_shows_the_pieces(owner_client, photo):
    html = owner_client.get(reverse("photo_detail", args=[photo.pk])).content.decode()
    for piece in ("photo-image", "exif-summary" if photo.exif else "no camera details", "Download original",
                  reverse("photo_update", args=[photo.pk]), reverse("photo_delete", args=[photo.pk]), "enhance-panel"):
        assert piece in html


def test_s3_storage_redirects_to_a_short_lived_presigned_url(photo):
    import time
    from urllib.parse import parse_qs, urlsplit

    from storages.backends.s3 import S3Storage

    from albums.media import serve_file

    # Presigning is computed locally by boto3: no network, no bucket needed.
    photo.original.storage = S3Storage(
        bucket_name="restore-test", access_key="AKIAEXAMPLEKEY000000", secret_key="secret",
        region_name="eu-west-1", querystring_expire=300, default_acl="private",
    )
    response = serve_file(None, photo.original, filename="할머니.jpg", as_attachment=True)
    assert response.status_code == 302
    url = urlsplit(response["Location"])
    query = parse_qs(url.query)
    assert url.path.endswith(photo.original.name)
    if "X-Amz-Expires" in query:  # SigV4
        assert query["X-Amz-Expires"] == ["300"]
    else:  # SigV2, boto3's default without signature_version
        assert 0 < int(query["Expires"][0]) - time.time() <= 301
    assert "Signature" in query or "X-Amz-Signature" in query
    assert query["response-content-disposition"][0].startswith("attachment; filename*=UTF-8''%ED%95%A0")


def test_photo_page_shows_the_exif_summary(owner_client, owner):
    from PIL import Image

    from tests.factories import image_bytes

    exif = Image.Exif()
    exif[0x010F] = "FUJIFILM"
    exif[0x0110] = "X-T3"
    exif.get_ifd(0x8769)[0x8827] = 400  # ISO
    photo = make_photo(owner, data=image_bytes("JPEG", exif=exif.tobytes()))
    html = owner_client.get(reverse("photo_detail", args=[photo.pk])).content.decode()
    assert "FUJIFILM X-T3" in html
    assert ">400<" in html


@pytest.mark.parametrize(
    ("title", "expected"),
    [("a\nb\r\"c/d", "a_b__c_d.jpg"), ("..", "photo-{pk}.jpg"), ("", "photo-{pk}.jpg"), ("설날 1975", "설날 1975.jpg")],
)
def test_download_name_is_safe_for_any_title(photo, title, expected):
    from albums.photo_views import download_name

    photo.title = title  # the API may store any title
    assert download_name(photo) == expected.format(pk=photo.pk)


def test_download_with_a_control_character_title_is_not_a_500(owner_client, photo):
    Photo.objects.filter(pk=photo.pk).update(title="line one\nline two")
    response = owner_client.get(reverse("photo_download", args=[photo.pk]))
    assert response.status_code == 200
    assert 'filename="line one_line two.jpg"' in response["Content-Disposition"]

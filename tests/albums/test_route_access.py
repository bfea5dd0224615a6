"""Every album and photo route as the owner, another signed-in user and an anonymous visitor.

Anyone but the owner gets 404 (existence is never confirmed); anonymous visitors are sent to log in.
"""

import pytest
from django.urls import reverse

from albums.models import Album, Photo
from tests.factories import image_bytes, upload_file

# (url name, method, needs "album" or "photo", POST data builder)
OBJECT_ROUTES = [
    ("album_detail", "get", "album"),
    ("album_rename", "get", "album"),
    ("album_rename", "post", "album"),
    ("album_delete", "get", "album"),
    ("album_delete", "post", "album"),
    ("photo_detail", "get", "photo"),
    ("photo_update", "post", "photo"),
    ("photo_delete", "get", "photo"),
    ("photo_delete", "post", "photo"),
    ("photo_original", "get", "photo"),
    ("photo_download", "get", "photo"),
    ("photo_thumbnail", "get", "photo"),
    ("photo_display", "get", "photo"),
]
POST_DATA = {"album_rename": {"name": "Renamed"}, "photo_update": {"title": "Renamed", "album": ""}}
OWNER_STATUS = {"post": 302, "get": 200}


def _call(client, name, method, target):
    url = reverse(name, args=[target.pk])
    return getattr(client, method)(url, POST_DATA.get(name, {}))


def _unchanged(album, photo):
    assert Album.objects.filter(pk=album.pk, name="Summer 1968").exists()
    assert Photo.objects.filter(pk=photo.pk, title="Grandma", album=album).exists()


@pytest.mark.parametrize(("name", "method", "kind"), OBJECT_ROUTES)
def test_owner_is_served(owner_client, album, photo, name, method, kind):
    response = _call(owner_client, name, method, album if kind == "album" else photo)
    assert response.status_code == OWNER_STATUS[method], response.content[:300]


@pytest.mark.parametrize(("name", "method", "kind"), OBJECT_ROUTES)
def test_other_user_gets_404_and_changes_nothing(other_client, album, photo, name, method, kind):
    response = _call(other_client, name, method, album if kind == "album" else photo)
    assert response.status_code == 404
    _unchanged(album, photo)


@pytest.mark.parametrize(("name", "method", "kind"), OBJECT_ROUTES)
def test_anonymous_is_sent_to_login_and_changes_nothing(anon_client, album, photo, name, method, kind):
    response = _call(anon_client, name, method, album if kind == "album" else photo)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    _unchanged(album, photo)


@pytest.mark.parametrize("name", ["photo_detail", "album_detail"])
def test_missing_object_is_404_like_someone_elses(owner_client, name):
    assert owner_client.get(reverse(name, args=[999999])).status_code == 404


def test_home_lists_only_own_photos(owner_client, other_client, photo):
    mine = owner_client.get(reverse("home"))
    theirs = other_client.get(reverse("home"))
    thumb = reverse("photo_thumbnail", args=[photo.pk])
    assert mine.status_code == theirs.status_code == 200
    assert thumb in mine.content.decode()
    assert thumb not in theirs.content.decode()


def test_sidebar_lists_only_own_albums(owner_client, other_client, album):
    assert album.name in owner_client.get(reverse("home")).content.decode()
    assert album.name not in other_client.get(reverse("home")).content.decode()


@pytest.mark.parametrize("name", ["album_create", "settings"])
def test_anonymous_pages_redirect_to_login(anon_client, name):
    response = anon_client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_anonymous_home_is_the_landing_page_with_no_library(anon_client, photo):
    html = anon_client.get(reverse("home")).content.decode()
    assert "data-landing-hero" in html and "upload-zone" not in html
    assert reverse("photo_thumbnail", args=[photo.pk]) not in html


def test_album_create_as_owner(owner_client, owner):
    assert owner_client.get(reverse("album_create")).status_code == 200
    response = owner_client.post(reverse("album_create"), {"name": "  Wedding   1975 "})
    album = Album.objects.get(owner=owner)
    assert album.name == "Wedding 1975"
    assert response["Location"] == reverse("album_detail", args=[album.pk])


def test_upload_anonymous_gets_401_json(anon_client):
    response = anon_client.post(reverse("photo_upload"), {"file": upload_file(image_bytes())})
    assert response.status_code == 401
    assert response.json()["error"]
    assert not Photo.objects.exists()


def test_upload_into_someone_elses_album_is_404(other_client, album):
    response = other_client.post(reverse("photo_upload"), {"file": upload_file(image_bytes()), "album": album.pk})
    assert response.status_code == 404
    assert not Photo.objects.exists()


def test_upload_as_owner_into_album(owner_client, album):
    response = owner_client.post(reverse("photo_upload"), {"file": upload_file(image_bytes()), "album": album.pk})
    assert response.status_code == 201
    assert Photo.objects.get().album == album


@pytest.mark.parametrize("method", ["get", "put", "delete"])
def test_upload_refuses_other_methods(owner_client, method):
    assert getattr(owner_client, method)(reverse("photo_upload")).status_code == 405


def test_admin_thumbnail_needs_staff(owner_client, other_user, photo):
    url = reverse("admin_photo_thumbnail", args=[photo.pk])
    assert owner_client.get(url).status_code == 302  # not staff: sent to the admin login
    other_user.is_staff = other_user.is_superuser = True
    other_user.save()
    owner_client.force_login(other_user)
    assert owner_client.get(url).status_code == 200


@pytest.mark.parametrize("name", ["album_detail", "photo_detail", "photo_original"])
def test_id_beyond_any_integer_column_is_404(owner_client, name):
    assert owner_client.get(reverse(name, args=[10**30])).status_code == 404


def test_upload_to_an_album_id_beyond_any_integer_column_is_404(owner_client):
    response = owner_client.post(reverse("photo_upload"), {"file": upload_file(image_bytes()), "album": "9" * 30})
    assert response.status_code == 404
    assert not Photo.objects.exists()


@pytest.mark.parametrize("prefix", ["/media/", "/private-media-is-not-served/", "/static/"])
def test_no_public_url_serves_a_stored_file(owner_client, photo, prefix):
    for name in (photo.original.name, photo.thumbnail.name):
        assert owner_client.get(prefix + name).status_code == 404

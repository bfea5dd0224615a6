"""albums/: create, list (paginated, with photo counts), rename, delete (photos stay)."""

import pytest

from albums.models import Album, Photo
from tests import factories

pytestmark = pytest.mark.django_db

ALBUMS = "/api/v1/albums/"


def test_create_and_list(owner_api, owner):
    created = owner_api.post(ALBUMS, {"name": "  Wedding 1971 "}, format="json")
    assert created.status_code == 201
    assert created.json()["name"] == "Wedding 1971"
    assert Album.objects.get(pk=created.json()["id"]).owner == owner
    listed = owner_api.get(ALBUMS).json()
    assert listed["count"] == 1
    assert listed["results"][0]["photo_count"] == 0


@pytest.mark.parametrize("body", [{}, {"name": ""}, {"name": "   "}, {"name": "x" * 121}])
def test_create_refuses_a_bad_name(owner_api, body):
    response = owner_api.post(ALBUMS, body, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["name"]
    assert Album.objects.count() == 0


def test_owner_in_the_body_is_ignored(owner_api, owner, other_user):
    created = owner_api.post(ALBUMS, {"name": "Mine", "owner": other_user.pk}, format="json")
    assert Album.objects.get(pk=created.json()["id"]).owner == owner


def test_rename_keeps_the_photo_count(owner_api, album, photo):
    renamed = owner_api.patch(f"{ALBUMS}{album.pk}/", {"name": "Summer '68"}, format="json")
    assert renamed.status_code == 200
    assert renamed.json() | {"created_at": None} == {"id": album.pk, "name": "Summer '68", "photo_count": 1,
                                                     "created_at": None}
    replaced = owner_api.put(f"{ALBUMS}{album.pk}/", {"name": "Summer"}, format="json")
    assert replaced.json()["name"] == "Summer"


def test_delete_keeps_the_photos_outside_any_album(owner_api, album, photo):
    assert owner_api.delete(f"{ALBUMS}{album.pk}/").status_code == 204
    assert not Album.objects.filter(pk=album.pk).exists()
    photo.refresh_from_db()
    assert photo.album is None
    assert Photo.objects.count() == 1


def test_list_shows_only_my_albums_in_name_order(owner_api, owner, other_user):
    for name in ("b", "a", "c"):
        factories.make_album(owner, name)
    factories.make_album(other_user, "theirs")
    names = [a["name"] for a in owner_api.get(ALBUMS).json()["results"]]
    assert names == ["a", "b", "c"]

"""Deleting one's account removes the user, their albums, their photos and the files, after confirmation."""

import pytest
from django.urls import reverse

from accounts.models import User
from albums.models import Album, Photo
from tests.factories import PASSWORD, make_album, make_photo, make_user


def test_delete_page_needs_login(anon_client):
    assert anon_client.get(reverse("delete_account")).status_code == 302


@pytest.mark.parametrize(
    ("data", "message"),
    [({"password": "wrong", "confirm": "on"}, "not correct"), ({"password": PASSWORD}, "Tick the box")],
)
def test_delete_needs_password_and_confirmation(owner_client, owner, photo, data, message):
    response = owner_client.post(reverse("delete_account"), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert User.objects.filter(pk=owner.pk).exists()
    assert Photo.objects.filter(pk=photo.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_delete_removes_everything_of_the_user_and_nothing_else(client, _isolated_media):
    owner = make_user("leaving@example.com")
    staying = make_user("staying@example.com")
    album = make_album(owner)
    mine = [make_photo(owner, album), make_photo(owner)]
    theirs = make_photo(staying)
    my_files = [name for photo in mine for name in (photo.original.name, photo.thumbnail.name)]
    their_files = [theirs.original.name, theirs.thumbnail.name]
    client.force_login(owner)

    response = client.post(reverse("delete_account"), {"password": PASSWORD, "confirm": "on"})

    assert response["Location"] == reverse("account_login")
    assert not User.objects.filter(pk=owner.pk).exists()
    assert not Album.objects.filter(pk=album.pk).exists()
    assert list(Photo.objects.all()) == [theirs]
    assert not any((_isolated_media / name).exists() for name in my_files)
    assert all((_isolated_media / name).exists() for name in their_files)
    assert client.get(reverse("settings")).status_code == 302  # signed out

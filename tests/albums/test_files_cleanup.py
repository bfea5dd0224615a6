"""albums.files: files behind FileFields go when their rows go, and only once the deletion commits."""

import pytest
from django.db import transaction

from albums.files import delete_files_of, file_names_of
from albums.models import Album, Photo
from tests.factories import make_album, make_photo, make_user

pytestmark = pytest.mark.django_db(transaction=True)


def test_file_names_of_lists_every_file_field():
    photo = make_photo(make_user())
    assert sorted(name for _, name in file_names_of(photo)) == sorted([photo.original.name, photo.thumbnail.name])


def test_delete_files_of_a_queryset_waits_for_commit():
    owner = make_user()
    photos = [make_photo(owner), make_photo(owner)]
    storage = photos[0].original.storage
    with transaction.atomic():
        delete_files_of(Photo.objects.filter(owner=owner))
        assert all(storage.exists(p.original.name) for p in photos)  # not yet: the transaction may roll back
    assert not any(storage.exists(p.original.name) or storage.exists(p.thumbnail.name) for p in photos)


def test_queryset_delete_removes_files_through_the_signal():
    owner = make_user()
    photos = [make_photo(owner), make_photo(owner)]
    storage = photos[0].original.storage
    Photo.objects.filter(owner=owner).delete()
    assert not any(storage.exists(p.original.name) for p in photos)


def test_album_delete_keeps_files_of_its_photos():
    owner = make_user()
    album = make_album(owner)
    photo = make_photo(owner, album)
    Album.objects.filter(pk=album.pk).delete()
    assert photo.original.storage.exists(photo.original.name)


def test_an_already_missing_file_does_not_break_the_delete():
    photo = make_photo(make_user())
    photo.original.storage.delete(photo.original.name)
    photo.delete()
    assert not Photo.objects.exists()
    assert not photo.thumbnail.storage.exists(photo.thumbnail.name)

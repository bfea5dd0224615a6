"""Bulk actions on a grid's selection: move, delete, download as a zip. Each acts on the
signed-in person's own photos only, refuses bad input with a reason, and is all or nothing."""

import io
import json
import zipfile

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import DatabaseError
from django.db.models.signals import post_delete
from django.http import StreamingHttpResponse
from django.test import Client
from django.urls import reverse

from albums.models import Photo
from enhance.models import Job, JobStatus
from tests import factories

MOVE = reverse("photos_bulk_move")
DELETE = reverse("photos_bulk_delete")
DOWNLOAD = reverse("photos_bulk_download")
JSON = {"HTTP_ACCEPT": "application/json"}


def stored_bytes(fieldfile) -> bytes:
    with fieldfile.storage.open(fieldfile.name, "rb") as handle:
        return handle.read()


def finished_job(photo, data: bytes = b"\x89PNG result bytes", name: str | None = None) -> Job:
    job = Job.objects.create(owner=photo.owner, photo=photo, model="realsr", options={}, status=JobStatus.SUCCEEDED)
    job.result.name = default_storage.save(name or f"results/{photo.pk}-{job.pk}.png", ContentFile(data))
    job.result_bytes = len(data)
    job.save()
    return job


def zip_of(response) -> zipfile.ZipFile:
    assert isinstance(response, StreamingHttpResponse), "the zip is streamed, not built in memory"
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


# ---- move ----

def test_move_puts_my_photos_in_my_album_and_ignores_someone_elses(owner_client, owner, other_user, photo):
    target = factories.make_album(owner, "Best")
    second = factories.make_photo(owner)
    foreign = factories.make_photo(other_user)
    response = owner_client.post(MOVE, {"album": target.pk, "photo": [photo.pk, second.pk, foreign.pk]}, **JSON)
    assert response.status_code == 200
    assert response.json()["moved"] == 2 and "2 photos moved to “Best”" in response.json()["message"]
    assert set(target.photos.values_list("pk", flat=True)) == {photo.pk, second.pk}
    foreign.refresh_from_db()
    assert foreign.album is None


def test_move_to_someone_elses_album_is_404_and_moves_nothing(owner_client, other_user, photo, album):
    foreign_album = factories.make_album(other_user)
    response = owner_client.post(MOVE, {"album": foreign_album.pk, "photo": [photo.pk]})
    assert response.status_code == 404
    photo.refresh_from_db()
    assert photo.album_id == album.pk


def test_move_with_none_takes_photos_out_of_their_album(owner_client, photo):
    response = owner_client.post(MOVE, {"album": "none", "photo": [photo.pk], "next": "/albums/1/"})
    assert response.status_code == 302 and response["Location"] == "/albums/1/"
    photo.refresh_from_db()
    assert photo.album is None


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        ({"album": "", "photo": ["1"]}, "Choose an album"),
        ({"album": "none"}, "Select at least one of your photos"),
        ({"album": "none", "photo": ["12abc"]}, "is not a photo id"),
        ({"album": "none", "photo": [str(n) for n in range(1, 600)]}, "at most 500 photos"),
    ],
)
def test_bad_move_input_is_400_with_a_reason(owner_client, photo, data, reason):
    response = owner_client.post(MOVE, data, **JSON)
    assert response.status_code == 400
    assert reason in response.json()["error"]


def test_only_someone_elses_photos_is_400_and_touches_nothing(other_client, other_user, photo, album):
    target = factories.make_album(other_user)
    response = other_client.post(MOVE, {"album": target.pk, "photo": [photo.pk]}, **JSON)
    assert response.status_code == 400
    photo.refresh_from_db()
    assert photo.album_id == album.pk


@pytest.mark.parametrize("url", [MOVE, DELETE, DOWNLOAD])
def test_bulk_actions_are_post_only_with_csrf_and_need_a_login(url, owner, photo, anon_client):
    checked = Client(enforce_csrf_checks=True)
    checked.force_login(owner)
    assert checked.get(url).status_code == 405
    assert checked.post(url, {"album": "none", "photo": [photo.pk]}).status_code == 403
    assert anon_client.post(url, {"photo": [photo.pk]}).status_code == 302  # to the login page
    assert Photo.objects.filter(pk=photo.pk, album__isnull=False).exists()


# ---- delete ----

def test_delete_removes_my_photos_their_jobs_and_files_after_commit(
        owner_client, owner, other_user, photo, django_capture_on_commit_callbacks):
    second = factories.make_photo(owner)
    job = finished_job(second)
    foreign = factories.make_photo(other_user)
    files = [photo.original.name, photo.thumbnail.name, second.original.name, job.result.name]
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(DELETE, {"photo": [photo.pk, second.pk, foreign.pk]}, **JSON)
    assert response.status_code == 200
    assert sorted(response.json()["deleted"]) == sorted([photo.pk, second.pk])
    assert list(Photo.objects.values_list("pk", flat=True)) == [foreign.pk]
    assert not Job.objects.exists()
    assert not any(default_storage.exists(name) for name in files)
    assert default_storage.exists(foreign.original.name)


def test_a_failure_part_way_through_a_delete_leaves_every_photo_and_file(
        owner_client, owner, photo, django_capture_on_commit_callbacks):
    photos = [photo, factories.make_photo(owner), factories.make_photo(owner)]
    seen = []

    def fail_on_the_second(sender, instance, **kwargs):
        seen.append(instance.pk)
        if len(seen) == 2:
            raise DatabaseError("connection lost")

    post_delete.connect(fail_on_the_second, sender=Photo, dispatch_uid="test-fail-second")
    try:
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            response = owner_client.post(DELETE, {"photo": [p.pk for p in photos]}, **JSON)
    finally:
        post_delete.disconnect(dispatch_uid="test-fail-second", sender=Photo)
    assert response.status_code == 503 and "nothing was deleted" in response.json()["error"]
    assert len(seen) == 2  # it really failed part-way
    assert not callbacks  # no file deletion was ever scheduled to run
    assert Photo.objects.count() == 3
    assert all(default_storage.exists(p.original.name) and default_storage.exists(p.thumbnail.name) for p in photos)


def test_delete_from_the_grid_redirects_back_with_a_message(owner_client, photo, album):
    response = owner_client.post(DELETE, {"photo": [photo.pk], "next": f"/albums/{album.pk}/"}, follow=True)
    assert response.redirect_chain[-1][0] == f"/albums/{album.pk}/"
    assert "1 photo deleted." in response.content.decode()


# ---- download ----

def test_originals_zip_has_every_original_under_a_unique_name(owner_client, owner, other_user, album):
    first = factories.make_photo(owner, album, title="Grandma")
    second = factories.make_photo(owner, album, title="Grandma", data=factories.image_bytes(color=(10, 200, 30)))
    # Names differing only in case clash on Windows and macOS.
    third = factories.make_photo(owner, album, title="grandma")
    fourth = factories.make_photo(owner, album, title="Grandma", data=factories.image_bytes("PNG"), name="g.png")
    foreign = factories.make_photo(other_user, title="Secret")
    chosen = [first.pk, second.pk, third.pk, fourth.pk, foreign.pk]
    response = owner_client.post(DOWNLOAD, {"what": "originals", "photo": chosen})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"] == 'attachment; filename="restore-originals.zip"'
    archive = zip_of(response)
    assert archive.testzip() is None
    assert archive.namelist() == ["Grandma.jpg", "Grandma (2).jpg", "grandma (3).jpg", "Grandma.png"]
    for name, photo in zip(archive.namelist(), [first, second, third, fourth], strict=True):
        assert archive.read(name) == stored_bytes(photo.original)
    # JPEG and PNG are stored as they are: compressing them again gains nothing.
    assert {info.compress_type for info in archive.infolist()} == {zipfile.ZIP_STORED}


def test_results_zip_has_each_photos_newest_result_and_leaves_out_photos_without_one(owner_client, owner, album):
    with_results = factories.make_photo(owner, album, title="Wedding")
    finished_job(with_results, b"older result")
    newest = finished_job(with_results, b"newest result")
    running = Job.objects.create(owner=owner, photo=with_results, model="waifu2x", status=JobStatus.RUNNING)
    without = factories.make_photo(owner, album, title="Plain")
    response = owner_client.post(DOWNLOAD, {"what": "results", "photo": [with_results.pk, without.pk]})
    archive = zip_of(response)
    assert archive.namelist() == [f"Wedding-realsr-{newest.pk}.png"]
    assert archive.read(archive.namelist()[0]) == b"newest result"
    assert running.pk != newest.pk


def test_results_zip_with_no_result_at_all_is_404_with_a_reason(owner_client, photo):
    response = owner_client.post(DOWNLOAD, {"what": "results", "photo": [photo.pk]}, **JSON)
    assert response.status_code == 404
    assert response.json()["error"] == "None of the selected photos has a result yet."


def test_unknown_download_kind_is_400(owner_client, photo):
    response = owner_client.post(DOWNLOAD, {"what": "thumbnails", "photo": [photo.pk]}, **JSON)
    assert response.status_code == 400 and "originals or results" in response.json()["error"]


def test_zip_reads_through_storage_open_on_s3(owner_client, owner, album, settings):
    """With S3 storage the files have no local path: the zip reads them through storage.open."""
    import boto3
    from moto import mock_aws

    with mock_aws():
        boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="restore-test")
        settings.STORAGES = {
            **settings.STORAGES,
            "default": {"BACKEND": "storages.backends.s3.S3Storage",
                        "OPTIONS": {"bucket_name": "restore-test", "region_name": "us-east-1",
                                    "default_acl": "private", "file_overwrite": False}},
        }
        photos = [factories.make_photo(owner, album, title="Harbour") for _ in range(2)]
        with pytest.raises(NotImplementedError):
            photos[0].original.storage.path(photos[0].original.name)
        response = owner_client.post(DOWNLOAD, {"what": "originals", "photo": [p.pk for p in photos]})
        archive = zip_of(response)
        assert archive.namelist() == ["Harbour.jpg", "Harbour (2).jpg"]
        assert archive.read("Harbour (2).jpg") == stored_bytes(photos[1].original)


def test_a_json_answer_names_what_was_done(owner_client, owner, photo):
    target = factories.make_album(owner, "Elsewhere")
    body = json.loads(owner_client.post(MOVE, {"album": target.pk, "photo": [photo.pk]}, **JSON).content)
    assert body == {"moved": 1, "album": target.pk, "message": "1 photo moved to “Elsewhere”."}

"""The demo account's sample photos and their real jobs (showcase.demo, seed_demo_photos):
added once, queued through the normal submission for the models a live worker runs, idempotent."""

from io import StringIO

from django.core.management import call_command

from accounts.management.commands.ensure_demo_user import DEMO_EMAIL, DEMO_PASSWORD
from albums.models import Album, Photo
from enhance.models import Job
from showcase import demo
from showcase.samples import SAMPLES
from tests.factories import make_user


def _seed(*args) -> str:
    out = StringIO()
    call_command("seed_demo_photos", *args, stdout=out)
    return out.getvalue()


def test_the_demo_account_gets_the_sample_photos_and_a_job_for_each_model_a_worker_runs(db):
    user = make_user(DEMO_EMAIL, DEMO_PASSWORD)
    out = _seed()
    album = Album.objects.get(owner=user, name=demo.ALBUM_NAME)
    assert album.photos.count() == len(SAMPLES)
    jobs = Job.objects.filter(owner=user)
    # The test's live worker runs RealSR and waifu2x (tests/conftest.py live_worker).
    expected = {(s.slug, s.model) for s in SAMPLES if s.model in ("realsr", "waifu2x")}
    assert {(s.slug, j.model) for j in jobs for s in SAMPLES if j.photo.title == str(s.title)} == expected
    assert all(job.status == "queued" for job in jobs)
    assert jobs.order_by("pk").first().model == "waifu2x"  # the quick one first
    assert "Not queued for “cat”" in out  # Real-ESRGAN: no live worker runs it here
    photo = Photo.objects.get(owner=user, title="Coffee cup")
    assert Job.objects.get(photo=photo).options == {"style": "photo", "scale": 2, "noise": 3}


def test_seeding_again_adds_nothing_and_a_new_worker_gets_the_missing_job(db, live_worker):
    user = make_user(DEMO_EMAIL, DEMO_PASSWORD)
    _seed()
    photos, jobs = Photo.objects.count(), Job.objects.count()
    _seed()
    assert (Photo.objects.count(), Job.objects.count()) == (photos, jobs)
    from tests.workers import publish_worker

    publish_worker(("realesrgan",), host="second-worker")
    _seed()
    assert Job.objects.count() == jobs + 1
    assert Job.objects.filter(owner=user, model="realesrgan", photo__title="Chelsea the cat").exists()


def test_a_deleted_sample_photo_is_not_brought_back(db):
    user = make_user(DEMO_EMAIL, DEMO_PASSWORD)
    _seed()
    Photo.objects.filter(owner=user, title="Coffee cup").delete()
    _seed()
    assert not Photo.objects.filter(owner=user, title="Coffee cup").exists()


def test_no_demo_account_no_samples(db):
    make_user("someone@example.com")
    assert "no sample photos" in _seed()
    assert not Photo.objects.exists()


def test_it_waits_for_a_worker_then_gives_up_saying_why(db, settings):
    make_user(DEMO_EMAIL, DEMO_PASSWORD)
    out = _seed("--wait", "0.1")
    assert "Not queued for “cat”" in out and "not available right now" in out

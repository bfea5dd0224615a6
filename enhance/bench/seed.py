"""A realistic library for the load test, written fast: per user 200 photos (tiny real
images on disk), a few albums, 500 jobs in every status, a notification per finished job,
a session and an API token. Rows go in with bulk_create; the images are generated once per
photo at 12x9 px so seeding several users takes seconds.

Returns what the load generator needs (ids, session keys, tokens) as a JSON-ready dict; the
locust process never imports Django."""

from __future__ import annotations

import io
import random
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from knox.models import AuthToken
from PIL import Image

from accounts.models import User
from albums.models import Album, Photo
from billing.models import BillingProfile
from enhance.capabilities.models import WorkerCapability
from enhance.engine.catalog import all_specs
from enhance.engine.catalog.spec import DeviceInfo
from enhance.models import Job, JobStatus
from enhance.notifications.models import Notification

PASSWORD = "load-test-password-9"
# Mostly finished work, as in a library people have used for a while.
STATUS_WEIGHTS = {
    JobStatus.SUCCEEDED: 80, JobStatus.FAILED: 8, JobStatus.CANCELED: 6, JobStatus.QUEUED: 4, JobStatus.RUNNING: 2,
}


def _png(seed: int, size=(12, 9)) -> bytes:
    image = Image.new("RGB", size, (seed * 37 % 256, seed * 11 % 256, 200 - seed % 150))
    image.putpixel((seed % size[0], seed % size[1]), (255, 255, 255))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def _jpeg(seed: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 6), (seed * 53 % 256, 120, 60)).save(buffer, "JPEG", quality=70)
    return buffer.getvalue()


def _default_options(spec) -> dict:
    return {option.name: option.default for option in spec.options}


def announce_worker() -> None:
    """A live worker record able to run every model, so pages offer the models as they would in
    production (the server runs with a long WORKER_STALE_SECONDS so it stays live)."""
    device = DeviceInfo("cpu")
    WorkerCapability.objects.update_or_create(
        process="load-test:0:seed",
        defaults={"host": "load-test", "pid": 0, "device": device.as_dict(), "device_kind": "cpu",
                  "runnable": {spec.id: spec.limit_table(device, {}) for spec in all_specs()},
                  "heartbeat": timezone.now(), "stopped_at": None},
    )


def seed_user(index: int, *, photos: int, jobs: int, albums: int, rng: random.Random) -> dict:
    email = f"load{index}@example.com"
    User.objects.filter(email=email).delete()
    user = User.objects.create_user(email, PASSWORD)
    BillingProfile.objects.update_or_create(user=user, defaults={"granted_plan": "pro", "grant_note": "load test"})
    album_rows = Album.objects.bulk_create([Album(owner=user, name=f"Album {n + 1}") for n in range(albums)])

    now = timezone.now()
    photo_rows = []
    for n in range(photos):
        original = default_storage.save(f"originals/{user.pk}/load{n}.png", ContentFile(_png(n)))
        thumbnail = default_storage.save(f"thumbnails/{user.pk}/load{n}.jpg", ContentFile(_jpeg(n)))
        photo_rows.append(Photo(
            owner=user, album=album_rows[n % albums] if n % 4 else None, title=f"Photo {n + 1}",
            original=original, thumbnail=thumbnail, width=12, height=9, format="PNG", bytes=200,
            sha256=f"{index:08x}{n:056x}", exif={"Camera": "Load test"} if n % 3 == 0 else {},
        ))
    photo_rows = Photo.objects.bulk_create(photo_rows)
    # auto_now_add stamps every row with the same instant; spread them out like real uploads.
    for n, photo in enumerate(photo_rows):
        photo.uploaded_at = now - timedelta(minutes=n)
    Photo.objects.bulk_update(photo_rows, ["uploaded_at"])

    result = default_storage.save(f"results/{user.pk}/load-result.png", ContentFile(_png(index, (48, 36))))
    specs = all_specs()
    statuses, weights = zip(*STATUS_WEIGHTS.items(), strict=True)
    job_rows = []
    for n in range(jobs):
        spec = specs[n % len(specs)]
        status = rng.choices(statuses, weights)[0]
        queued = now - timedelta(minutes=jobs - n)
        finished = status in (JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELED)
        job_rows.append(Job(
            owner=user, photo=photo_rows[n % photos], model=spec.id, options=_default_options(spec), status=status,
            progress=100 if finished else (40 if status == JobStatus.RUNNING else 0),
            stage="inference" if status == JobStatus.RUNNING else "",
            error="The photo could not be read." if status == JobStatus.FAILED else "",
            attempts=1 if status != JobStatus.QUEUED else 0, queued_at=queued,
            started_at=queued + timedelta(seconds=2) if status != JobStatus.QUEUED else None,
            heartbeat=now if status == JobStatus.RUNNING else None,
            finished_at=queued + timedelta(seconds=30) if finished else None, compute_seconds=25.0 if finished else 0,
            device="cpu", precision="bf16",
            result=result if status == JobStatus.SUCCEEDED else "",
            result_width=48 if status == JobStatus.SUCCEEDED else None,
            result_height=36 if status == JobStatus.SUCCEEDED else None,
            result_bytes=2000 if status == JobStatus.SUCCEEDED else None,
        ))
    job_rows = Job.objects.bulk_create(job_rows)
    Notification.objects.bulk_create([
        Notification(user=user, job=job, message=f"{job.model} finished", url=f"/photos/{job.photo_id}/",
                     read_at=now if n % 5 else None)
        for n, job in enumerate(job_rows) if job.is_terminal
    ])

    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.set_expiry(7 * 24 * 3600)
    session.create()
    _, token = AuthToken.objects.create(user=user)
    return {
        "email": email, "session": session.session_key, "token": token,
        "albums": [album.pk for album in album_rows], "photos": [photo.pk for photo in photo_rows],
        "jobs": [job.pk for job in job_rows],
        "active_jobs": [job.pk for job in job_rows if not job.is_terminal][:20] or [job_rows[0].pk],
    }


def seed(*, users: int = 4, photos: int = 200, jobs: int = 500, albums: int = 6, seed_value: int = 13) -> dict:
    rng = random.Random(seed_value)
    with transaction.atomic():
        announce_worker()
        people = [seed_user(index, photos=photos, jobs=jobs, albums=albums, rng=rng) for index in range(users)]
    return {"users": people, "photos_per_user": photos, "jobs_per_user": jobs,
            "database": settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]}

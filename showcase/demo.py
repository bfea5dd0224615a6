"""The demo account's sample photos, with real results: `make run` calls seed_demo_photos, which
adds the sample photos (showcase.samples) to a "Sample photos" album once, then queues one real
job per sample photo for the worker cluster `make run` starts, as soon as a live worker offers
the model. Jobs go through enhance.services.submit like any Run, so the results are made by the
models on this machine and the newcomer also sees queued jobs and live progress.

Idempotent across restarts: the album is made (and filled) only when it does not exist yet, and a
sample photo gets a job only while it has none with the sample's model, whatever that job's state
(a failed one is not retried in a loop; a deleted result is not brought back)."""

from __future__ import annotations

import logging

from django.core.files import File
from django.db import transaction
from django.utils import translation

from albums.models import Album, Photo
from albums.uploads import ingest_photo
from enhance.models import Job
from showcase.samples import SAMPLES, Sample

log = logging.getLogger(__name__)

ALBUM_NAME = "Sample photos"
# Cheapest first, so the first result is there within seconds even on a small CPU.
RUN_ORDER = {"waifu2x": 0, "realesrgan": 1, "realsr": 2}


def _title(sample: Sample) -> str:
    with translation.override("en"):  # stored once; the stable key this module finds photos by
        return str(sample.title)


def seed_photos(user) -> list[tuple[Photo, Sample]]:
    """The user's sample photos, adding them (and their album) the first time."""
    with transaction.atomic():
        album, created = Album.objects.get_or_create(owner=user, name=ALBUM_NAME)
    if created:
        for sample in SAMPLES:
            with open(sample.input_path, "rb") as fh:
                ingest_photo(user, File(fh, name=sample.input_path.name), album=album, title=_title(sample))
    by_title = {photo.title: photo for photo in album.photos.all()}
    return [(by_title[_title(s)], s) for s in SAMPLES if _title(s) in by_title]


def pending(user) -> list[tuple[Photo, Sample]]:
    """Sample photos without a job of their sample's model yet, cheapest model first."""
    rows = [
        (photo, sample)
        for photo, sample in seed_photos(user)
        if not Job.objects.filter(photo=photo, model=sample.model).exists()
    ]
    return sorted(rows, key=lambda row: RUN_ORDER.get(row[1].model, 9))


def submit_ready(user) -> tuple[list[Job], list[tuple[Sample, str]]]:
    """Queue a job for each pending sample whose model a live worker offers now. Returns the jobs
    queued and, for the others, why not (yet)."""
    from enhance import services

    queued, waiting = [], []
    for photo, sample in pending(user):
        try:
            queued.append(services.submit(user, photo, sample.model, dict(sample.options)))
        except services.SubmitRefused as refusal:
            waiting.append((sample, refusal.message))
    return queued, waiting

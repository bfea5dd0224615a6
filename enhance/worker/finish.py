"""The terminal transitions a worker makes. Each is one transaction, conditional on the
worker still holding the job; the notification is committed with the status."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from enhance.models import Job, JobStatus
from enhance.notifications.service import notify_job_finished
from enhance.worker.result_store import StoredResult
from enhance.worker.wakeup import send_wakeup


def _held(job: Job, worker: str):
    return Job.objects.filter(pk=job.pk, worker=worker, status=JobStatus.RUNNING)


def finish_succeeded(job: Job, worker: str, stored: StoredResult, *, seconds: float, device: str,
                     precision: str) -> bool:
    """False when the job is no longer ours or a cancel arrived: the caller removes the file."""
    with transaction.atomic():
        done = _held(job, worker).filter(cancel_requested=False).update(
            status=JobStatus.SUCCEEDED, progress=100, stage=_("Done"), finished_at=timezone.now(),
            heartbeat=timezone.now(), compute_seconds=seconds, device=device, precision=precision,
            result=stored.name, result_width=stored.width, result_height=stored.height,
            result_bytes=stored.bytes,
        )
        if done:
            job.refresh_from_db()
            notify_job_finished(job)
    return bool(done)


def finish_failed(job: Job, worker: str, error: str, *, seconds: float = 0.0) -> bool:
    with transaction.atomic():
        done = _held(job, worker).update(
            status=JobStatus.FAILED, error=error[:500], stage=_("Failed"), finished_at=timezone.now(),
            compute_seconds=seconds,
        )
        if done:
            job.refresh_from_db()
            notify_job_finished(job)
    return bool(done)


def finish_canceled(job: Job, worker: str, *, seconds: float = 0.0) -> bool:
    done = _held(job, worker).update(
        status=JobStatus.CANCELED, stage=_("Canceled"), finished_at=timezone.now(), compute_seconds=seconds,
    )
    return bool(done)


def requeue_uncounted(job: Job, worker: str) -> bool:
    """Back to the queue without spending an attempt: the device failed, not the photo (a sticky
    CUDA error). A wake-up goes out with the commit so another worker takes it."""
    with transaction.atomic():
        done = _held(job, worker).update(
            status=JobStatus.QUEUED, attempts=F("attempts") - 1, worker="", heartbeat=None, progress=0,
            stage=_("Waiting for a worker (retrying)"),
        )
        if done:
            transaction.on_commit(lambda: send_wakeup(job.pk))
    return bool(done)

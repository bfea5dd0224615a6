"""The terminal transitions a worker makes. Each is one transaction, conditional on the
worker still holding the job; the notification is committed with the status."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from billing import policy
from enhance.models import Job, JobStatus
from enhance.notifications.service import notify_job_finished
from enhance.worker.result_store import StoredResult
from enhance.worker.wakeup import send_wakeup
from restoreapp.db_retry import retry_if_dropped


def _held(job: Job, worker: str):
    return Job.objects.filter(pk=job.pk, worker=worker, status=JobStatus.RUNNING)


def finish_succeeded(job: Job, worker: str, stored: StoredResult, *, seconds: float, device: str,
                     precision: str) -> bool:
    """False when the job is no longer ours or a cancel arrived: the caller removes the file."""
    attempts = []

    def once() -> bool:
        attempts.append(1)
        return _finish_succeeded(job, worker, stored, seconds=seconds, device=device, precision=precision)

    done = retry_if_dropped(once)
    if not done and len(attempts) > 1:
        # The connection may have dropped after the commit went through: then the job is ours
        # and done, and its result must not be deleted.
        return Job.objects.filter(pk=job.pk, status=JobStatus.SUCCEEDED, result=stored.name).exists()
    return done


def _finish_succeeded(job: Job, worker: str, stored: StoredResult, *, seconds: float, device: str,
                      precision: str) -> bool:
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


def finish_failed(job: Job, worker: str, error: str, *, seconds: float = 0.0, refund: bool = True) -> bool:
    """refund: give the job back to the owner's monthly count (every failure but a plan that
    lapsed before the job ran: its input passed every check at submit)."""
    return retry_if_dropped(lambda: _finish_failed(job, worker, error, seconds=seconds, refund=refund))


def _finish_failed(job: Job, worker: str, error: str, *, seconds: float, refund: bool) -> bool:
    with transaction.atomic():
        done = _held(job, worker).update(
            status=JobStatus.FAILED, error=error[:500], stage=_("Failed"), finished_at=timezone.now(),
            compute_seconds=seconds,
        )
        if done:
            job.refresh_from_db()
            if refund:
                policy.refund(job)
            notify_job_finished(job)
    return bool(done)


def finish_canceled(job: Job, worker: str, *, seconds: float = 0.0) -> bool:
    done = retry_if_dropped(lambda: _held(job, worker).update(
        status=JobStatus.CANCELED, stage=_("Canceled"), finished_at=timezone.now(), compute_seconds=seconds,
    ))
    return bool(done)


def hand_back(job: Job, worker: str, *, device_failure: bool = False) -> bool:
    """The worker gives its job back through no fault of the photo (it is stopping, or its GPU
    failed): queued again in its old place, the attempt not counted, a fresh wake-up so another
    worker starts it without waiting for the reaper. False when the job is no longer ours or its
    owner canceled it (the caller ends it canceled)."""
    counted = {"device_failures": F("device_failures") + 1} if device_failure else {}
    with transaction.atomic():
        done = _held(job, worker).filter(cancel_requested=False).update(
            status=JobStatus.QUEUED, attempts=F("attempts") - 1, worker="", heartbeat=None, progress=0,
            started_at=None, stage=_("Waiting for a worker"), **counted,
        )
        if done:
            transaction.on_commit(lambda: send_wakeup(job.pk))
    return bool(done)


def give_up_or_hand_back_after_device_failure(job: Job, worker: str, *, seconds: float) -> str:
    """After a sticky CUDA error: back to the queue, unless this job has now broken
    JOB_MAX_DEVICE_FAILURES worker contexts, when it fails (refunded: no fault of the owner's)
    so that one photo cannot take down every GPU worker in turn. Returns the job's new status
    ("queued", "failed", or "lost" when it was no longer ours)."""
    if job.device_failures + 1 < settings.JOB_MAX_DEVICE_FAILURES:
        return JobStatus.QUEUED if hand_back(job, worker, device_failure=True) else "lost"
    Job.objects.filter(pk=job.pk).update(device_failures=F("device_failures") + 1)
    error = _("The graphics card of every worker that tried this photo failed on it. "
              "It does not count against your jobs this month; please try again later or try another model.")
    return JobStatus.FAILED if finish_failed(job, worker, error, seconds=seconds) else "lost"

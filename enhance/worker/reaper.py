"""The reaper: the only retry path for jobs whose worker vanished.

A running job whose heartbeat is older than JOB_STALE_SECONDS lost its worker (killed,
out of memory, host gone). It goes back to the queue with a fresh wake-up, or, once
it has used JOB_MAX_ATTEMPTS, ends failed. Every change is conditional on the row being
exactly as read (same worker, same heartbeat), so a worker that comes back to life
cannot be overwritten and two reapers never act twice.

It also re-sends wake-ups for queued jobs that have none waiting in the broker (a
message lost with a Redis broker, or a web process that died between the commit
and the enqueue): the rows, not the queue, say what work exists."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from billing import policy
from enhance.models import Job, JobStatus
from enhance.notifications.service import notify_job_finished
from enhance.worker.result_store import delete_attempt_files
from enhance.worker.wakeup import send_wakeup

log = logging.getLogger(__name__)

WORKER_STOPPED = gettext_noop("the worker stopped while processing this photo")
_BATCH = 200
_MAX_WAKEUPS = 100


def reap_stale_jobs(now=None) -> dict:
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.JOB_STALE_SECONDS)
    counts = {"requeued": 0, "failed": 0, "canceled": 0, "wakeups": 0}
    stale = Job.objects.filter(status=JobStatus.RUNNING, heartbeat__lt=cutoff).select_related("owner", "photo")
    for job in stale[:_BATCH]:
        outcome = _reap_one(job)
        if outcome:
            counts[outcome] += 1
    counts["wakeups"] = _resend_missing_wakeups(cutoff)
    if any(counts.values()):
        log.warning("reaper: %s", counts)
    return counts


def _reap_one(job: Job) -> str | None:
    as_read = Job.objects.filter(pk=job.pk, status=JobStatus.RUNNING, worker=job.worker, heartbeat=job.heartbeat)
    with transaction.atomic():
        if job.cancel_requested:
            outcome = "canceled"
            changed = as_read.update(
                status=JobStatus.CANCELED, stage=gettext_noop("Canceled"), finished_at=timezone.now())
        elif job.attempts >= settings.JOB_MAX_ATTEMPTS:
            outcome = "failed"
            changed = as_read.update(
                status=JobStatus.FAILED, error=WORKER_STOPPED, error_params={}, stage=gettext_noop("Failed"),
                finished_at=timezone.now(),
            )
            if changed:
                job.refresh_from_db()
                policy.refund(job)
                notify_job_finished(job)
        else:
            outcome = "requeued"
            changed = as_read.update(
                status=JobStatus.QUEUED, worker="", heartbeat=None, progress=0,
                stage=gettext_noop("Waiting for a worker (retrying)"),
            )
            if changed:
                transaction.on_commit(lambda: send_wakeup(job.pk))
    if not changed:
        return None
    # The dead attempt may have renamed its file into place before dying.
    delete_attempt_files(job, job.attempts)
    log.warning("reaper: job %s attempt %s stale since %s -> %s", job.pk, job.attempts, job.heartbeat, outcome)
    return outcome


def _resend_missing_wakeups(cutoff) -> int:
    waiting = Job.objects.filter(status=JobStatus.QUEUED, queued_at__lt=cutoff).count()
    if not waiting:
        return 0
    from django_q.brokers import get_broker

    try:
        pending = get_broker().queue_size()
    except Exception:  # a broker that cannot count: err on the side of waking workers
        log.warning("reaper: the broker cannot report its queue size", exc_info=True)
        pending = 0
    missing = min(_MAX_WAKEUPS, waiting - (pending or 0))
    for _i in range(max(0, missing)):
        send_wakeup()
    return max(0, missing)

"""django-q2 entry points. A message is only a wake-up: the task claims the best queued
job from the database, whatever job the message was sent for."""

from __future__ import annotations

import logging
import time

from django.conf import settings

log = logging.getLogger(__name__)
_last_reap = 0.0


def run_next_job(job_id_hint: int | None = None) -> str:
    from enhance.worker.claim import claim_next, worker_identity
    from enhance.worker.process_setup import prepare_worker_process
    from enhance.worker.runner import run_claimed_job

    prepare_worker_process()
    worker = worker_identity()
    job = claim_next(worker)  # only a job this process can run, by its own capabilities
    if job is None:
        _reap_now_and_then()
        return "idle"
    log.info("worker %s took job %s (woken for %s, attempt %s)", worker, job.pk, job_id_hint, job.attempts)
    outcome = run_claimed_job(job, worker)
    _reap_now_and_then()
    return f"job {job.pk}: {outcome}"


def reap_stale_jobs() -> dict:
    """The scheduled reaper (django-q2 Schedule, see enhance/migrations/0002)."""
    from enhance.capabilities.models import WorkerCapability
    from enhance.worker.reaper import reap_stale_jobs as reap

    WorkerCapability.objects.prune()
    return reap()


def _reap_now_and_then() -> None:
    # The schedule runs the reaper once a minute; workers that are busy anyway also
    # run it every few seconds, so a killed worker's job is back sooner under load.
    global _last_reap
    now = time.monotonic()
    if now - _last_reap < settings.JOB_HEARTBEAT_SECONDS:
        return
    _last_reap = now
    try:
        reap_stale_jobs()
    except Exception:
        log.exception("reaper failed")

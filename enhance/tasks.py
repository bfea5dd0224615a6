"""django-q2 entry points. A message is only a wake-up: the task claims the best queued
job from the database, whatever job the message was sent for."""

from __future__ import annotations

import logging
import time

from django.conf import settings

log = logging.getLogger(__name__)
_last_reap = 0.0


def run_next_job(job_id_hint: int | None = None) -> str:
    from enhance.capabilities.this_worker import current_capabilities
    from enhance.worker.claim import claim_next, worker_identity
    from enhance.worker.handoff import pass_on_wakeup
    from enhance.worker.process_setup import end_worker_process, prepare_worker_process
    from enhance.worker.runner import DEVICE_FAILED, run_claimed_job
    from enhance.worker.stopping import stop_requested
    from enhance.worker.wakeup import send_wakeup

    if stop_requested():
        # A wake-up prefetched before the stop: pass it on, this process takes no new job.
        send_wakeup(job_id_hint)
        return "stopping"
    prepare_worker_process()
    worker = worker_identity()
    job = claim_next(worker)  # only a job this process can run, by its own capabilities
    if job is None:
        if pass_on_wakeup(job_id_hint, current_capabilities().runnable):
            return "passed on"
        _reap_now_and_then()
        return "idle"
    log.info("worker %s took job %s (woken for %s, attempt %s)", worker, job.pk, job_id_hint, job.attempts)
    outcome = run_claimed_job(job, worker)
    if outcome == DEVICE_FAILED:
        end_worker_process(f"job {job.pk}: sticky CUDA error")
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


def prepare_download(job_id: int, key: str, background: str = "white") -> str:
    """Make a result's download in another format (JPEG, WebP) once, on a worker host.

    Queued by the download view on first request; the view serves the stored file after."""
    from django.core.cache import cache
    from django.core.files.storage import default_storage

    from enhance.models import Job, JobStatus
    from enhance.renditions import format_name, make_download
    from enhance.results import effective_background, failure_key, pending_key
    from enhance.worker.result_store import store_atomically
    from enhance.worker.stopping import stop_requested

    job = Job.objects.filter(pk=job_id, status=JobStatus.SUCCEEDED).exclude(result="").first()
    if job is None:
        return "gone"
    background = effective_background(job, key, background)
    name = format_name(job.result.name, key, background)
    if stop_requested():
        cache.delete(pending_key(name))  # the next request queues it again, for a worker that stays
        return "stopping"
    try:
        if not default_storage.exists(name):
            pixels = (job.result_width or 0) * (job.result_height or 0)
            make_download(default_storage, job.result.name, key, pixels, store_atomically, background)
    except Exception:
        log.exception("job %s: could not prepare the %s download", job_id, key)
        cache.set(failure_key(name), True, 600)
        return "failed"
    finally:
        cache.delete(pending_key(name))
    # Deleted meanwhile (photo or account removed): the new file must not outlive it.
    if not Job.objects.filter(pk=job_id, result=job.result.name).exists():
        default_storage.delete(name)
        return "gone"
    return name

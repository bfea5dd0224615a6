"""Taking a queued job: one conditional UPDATE, so no job ever runs twice at once."""

from __future__ import annotations

import os
import socket
import uuid

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_noop

from enhance.capabilities.routing import runnable_filter, with_pixels
from enhance.models import Job, JobStatus

# Claims lost to another worker in a row before giving up; each loss means someone else
# took a job, so the queue is moving either way.
_MAX_RACES = 20


def worker_identity() -> str:
    """Unique per claim: host and pid say where it runs, the nonce tells two claims by one pid apart."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _best_queued_id(runnable) -> int | None:
    # On PostgreSQL the row lock lets concurrent claimers skip each other's candidate
    # instead of racing for it; SQLite ignores FOR UPDATE (its writers are serialised).
    # Only the job row is locked, not the photo joined in for its size.
    return (
        with_pixels(Job.objects.select_for_update(skip_locked=True, of=("self",)))
        .filter(status=JobStatus.QUEUED)
        .filter(runnable_filter(runnable))
        .order_by("-priority", "queued_at", "id")
        .values_list("pk", flat=True)
        .first()
    )


def claim_next(worker: str, runnable: dict | None = None) -> Job | None:
    """Move the best queued job this worker can run (highest priority, then oldest) to
    running for `worker`. `runnable` is what its capability record says: {model id: {limit
    name: pixels or None}}, by default this process's, looked at again now (an operator may
    have changed the host); a job for another model, or a photo above its limit, stays queued
    for a worker that can take it.

    Returns None when nothing it can run is queued. The UPDATE is conditional on the row
    still being queued, so of two workers racing for one job exactly one gets rowcount 1."""
    if runnable is None:
        from enhance.capabilities.this_worker import capabilities_at_claim

        runnable = capabilities_at_claim().runnable
    for _attempt in range(_MAX_RACES):
        with transaction.atomic():
            candidate = _best_queued_id(runnable)
            if candidate is None:
                return None
            now = timezone.now()
            taken = Job.objects.filter(pk=candidate, status=JobStatus.QUEUED).update(
                status=JobStatus.RUNNING,
                attempts=F("attempts") + 1,
                worker=worker,
                heartbeat=now,
                started_at=now,
                progress=0,
                stage=gettext_noop("Starting"),
                error="",
                error_params={},
            )
        if taken:
            return Job.objects.select_related("photo", "owner").get(pk=candidate)
    return None

"""Taking a queued job: one conditional UPDATE, so no job ever runs twice at once."""

from __future__ import annotations

import os
import socket
import uuid

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from enhance.models import Job, JobStatus

# Claims lost to another worker in a row before giving up; each loss means someone else
# took a job, so the queue is moving either way.
_MAX_RACES = 20


def worker_identity() -> str:
    """Unique per claim: host and pid say where it runs, the nonce tells two claims by one pid apart."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _best_queued_id() -> int | None:
    # On PostgreSQL the row lock lets concurrent claimers skip each other's candidate
    # instead of racing for it; SQLite ignores FOR UPDATE (its writers are serialised).
    return (
        Job.objects.select_for_update(skip_locked=True)
        .filter(status=JobStatus.QUEUED)
        .order_by("-priority", "queued_at", "id")
        .values_list("pk", flat=True)
        .first()
    )


def claim_next(worker: str) -> Job | None:
    """Move the best queued job (highest priority, then oldest) to running for `worker`.

    Returns None when nothing is queued. The UPDATE is conditional on the row still
    being queued, so of two workers racing for one job exactly one gets rowcount 1."""
    for _attempt in range(_MAX_RACES):
        with transaction.atomic():
            candidate = _best_queued_id()
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
                stage=_("Starting"),
                error="",
            )
        if taken:
            return Job.objects.select_related("photo", "owner").get(pk=candidate)
    return None

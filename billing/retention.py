"""Deleting results that are older than the owner's plan keeps them.

A result is kept as long as either plan allows: the plan it was made under (a result
made on Pro stays after a downgrade) or the owner's plan today (upgrading to Pro keeps
everything). The Job row stays; only its result file and result fields go.
"""

import logging
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.core.files.storage import default_storage
from django.utils import timezone

from billing.entitlements import plan_for
from billing.plans import PLANS, plan_for_priority
from enhance.models import Job
from enhance.renditions import family

logger = logging.getLogger(__name__)


def _keep_days(made_under_days: int | None, current_days: int | None) -> int | None:
    if made_under_days is None or current_days is None:
        return None
    return max(made_under_days, current_days)


def _clear_result(job: Job) -> bool:
    name = job.result.name
    # The row is cleared first (conditionally, in case the result changed meanwhile), so a
    # failure can at worst leave an orphan file, never a row pointing at a missing one.
    cleared = Job.objects.filter(pk=job.pk, result=name).update(
        result="", result_width=None, result_height=None, result_bytes=None
    )
    if cleared:
        # The result and every rendition made from it (display image, JPEG/WebP downloads).
        for member in family(name):
            try:
                default_storage.delete(member)
            except OSError:
                logger.exception("result %s of job %s: row cleared but %s could not be removed", name, job.pk,
                                 member)
    return bool(cleared)


def expired_jobs(now: datetime | None = None) -> list[Job]:
    now = now or timezone.now()
    retentions = [plan.retention_days for plan in PLANS.values() if plan.retention_days is not None]
    if not retentions:
        return []
    candidates = Job.objects.exclude(result="").filter(finished_at__lt=now - timedelta(days=min(retentions)))
    expired = []
    owners = get_user_model().objects.filter(pk__in=candidates.values("owner_id"))
    for owner in owners:
        current_days = plan_for(owner, now).retention_days
        if current_days is None:
            continue
        for job in candidates.filter(owner=owner).only("pk", "result", "priority", "finished_at", "owner_id"):
            keep = _keep_days(plan_for_priority(job.priority).retention_days, current_days)
            if keep is not None and job.finished_at < now - timedelta(days=keep):
                expired.append(job)
    return expired


def purge_expired_results(now: datetime | None = None) -> int:
    """Delete expired results; returns how many. Safe to run at any time and repeatedly."""
    purged = sum(_clear_result(job) for job in expired_jobs(now))
    if purged:
        logger.info("deleted %d expired results", purged)
    return purged

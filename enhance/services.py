"""The one entry for creating and cancelling jobs: web views, the REST API and batches."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from billing import policy
from enhance.models import Job, JobStatus
from enhance.output_limits import output_refusal
from enhance.worker.wakeup import send_wakeup

log = logging.getLogger(__name__)


class SubmitRefused(Exception):
    """The job was not created; `message` is for the user, `status` the HTTP status (400, 402, 404).
    `field` names the input to blame when there is one (`model`, `options`, `options.scale`)."""

    def __init__(self, message: str, status: int = 400, upgrade_url: str = "", field: str = ""):
        self.message = message
        self.status = status
        self.upgrade_url = upgrade_url
        self.field = field
        super().__init__(message)


def _available(model_id: str):
    """The model's availability from the live workers' records; refused when none runs it."""
    from enhance.availability import model_availability

    models = model_availability()
    info = models.get(model_id) if isinstance(model_id, str) else None
    if info is None:
        known = ", ".join(sorted(models))
        raise SubmitRefused(
            _("Unknown model “%(model)s”; choose one of: %(known)s.") % {"model": model_id, "known": known},
            field="model",
        )
    if not info.available:
        # People are not told why (operators see it on the admin dashboard).
        raise SubmitRefused(
            _("%(label)s is not available right now. Please try again later.") % {"label": info.label},
            field="model",
        )
    return info


def _checked_options(info, options: dict | None) -> dict:
    from enhance.engine.errors import OptionError
    from enhance.engine_text import option_error_text

    if options is not None and not isinstance(options, dict):
        raise SubmitRefused(_("Options must be an object of option names and values."), field="options")
    try:
        return info.spec.validate_options(options or {})
    except ValueError as exc:
        option = exc.option if isinstance(exc, OptionError) else None
        raise SubmitRefused(
            _("Invalid options for %(label)s: %(reason)s") % {"label": info.label, "reason": option_error_text(exc)},
            field=f"options.{option}" if option else "options",
        ) from None


def submit(user, photo, model_id: str, options: dict | None = None) -> Job:
    """Validate, ask billing's policy, create the Job row and wake a worker once it is committed."""
    if photo is None or photo.owner_id != user.pk:
        raise SubmitRefused(_("Photo not found."), 404)
    info = _available(model_id)
    clean = _checked_options(info, options)
    # Refused now, with the reason, rather than left queued for a worker that never comes.
    too_large = info.size_refusal(clean, photo.width, photo.height)
    if too_large:
        raise SubmitRefused(too_large)
    try:  # the plan's own input limits first: they are what the person can act on
        policy.check_model_and_size(user, model_id, width=photo.width, height=photo.height)
    except policy.PolicyRefusal as refusal:
        raise SubmitRefused(refusal.reason, 402, refusal.upgrade_url) from None
    too_large, paid_plan_allows = output_refusal(policy.plan_for(user), model_id, clean, photo.width, photo.height)
    if too_large:
        if paid_plan_allows:
            raise SubmitRefused(too_large, 402, reverse("billing:pricing"))
        raise SubmitRefused(too_large)
    with transaction.atomic():
        try:
            admission = policy.admit(user, model_id, width=photo.width, height=photo.height)
        except policy.PolicyRefusal as refusal:
            raise SubmitRefused(refusal.reason, 402, refusal.upgrade_url) from None
        job = Job.objects.create(
            owner=user,
            photo=photo,
            model=model_id,
            options=clean,
            priority=admission.priority,
            stage=_("Waiting for a worker"),
        )
        transaction.on_commit(lambda: send_wakeup(job.pk))
    log.info("job %s queued: %s %s on photo %s", job.pk, model_id, clean, photo.pk)
    return job


@dataclass
class BatchOutcome:
    jobs: list[Job] = field(default_factory=list)
    refused: list[tuple[object, SubmitRefused]] = field(default_factory=list)  # (photo, why)


def submit_batch(user, photos: Iterable, model_id: str, options: dict | None = None) -> BatchOutcome:
    """One job per photo. Bad model/options refuse the whole batch up front (nothing is
    queued); a policy refusal (quota used up part-way) refuses that photo and the rest."""
    _checked_options(_available(model_id), options)
    outcome = BatchOutcome()
    for photo in photos:
        if outcome.refused and outcome.refused[-1][1].status == 402:
            outcome.refused.append((photo, outcome.refused[-1][1]))
            continue
        try:
            outcome.jobs.append(submit(user, photo, model_id, options))
        except SubmitRefused as refusal:
            outcome.refused.append((photo, refusal))
    return outcome


def cancel(user_or_none, job: Job) -> Job:
    """Cancel a job. `None` acts as an operator. A queued job ends at once; a running one is
    asked to stop and ends between tiles. Finished jobs are returned unchanged."""
    if user_or_none is not None and job.owner_id != user_or_none.pk:
        raise SubmitRefused(_("Job not found."), 404)
    now = timezone.now()
    with transaction.atomic():
        canceled_before_start = Job.objects.filter(pk=job.pk, status=JobStatus.QUEUED).update(
            status=JobStatus.CANCELED,
            finished_at=now,
            stage=_("Canceled"),
            cancel_requested=True,
        )
        if canceled_before_start:
            policy.refund(job)
    Job.objects.filter(pk=job.pk, status=JobStatus.RUNNING).update(
        cancel_requested=True,
        stage=_("Canceling…"),
    )
    job.refresh_from_db()
    return job


def retry(job: Job) -> Job:
    """Operator action: put a failed or canceled job back in the queue as a fresh run."""
    with transaction.atomic():
        updated = Job.objects.filter(pk=job.pk, status__in=[JobStatus.FAILED, JobStatus.CANCELED]).update(
            status=JobStatus.QUEUED,
            attempts=0, device_failures=0,
            error="",
            progress=0,
            stage=_("Waiting for a worker"),
            cancel_requested=False,
            worker="",
            heartbeat=None,
            queued_at=timezone.now(),
            started_at=None,
            finished_at=None,
        )
        if updated:
            transaction.on_commit(lambda: send_wakeup(job.pk))
    job.refresh_from_db()
    return job

"""Running one claimed job end to end: engine, result file, final status.

Whatever happens, the job ends in exactly one terminal state (or, if this process
dies, stays running until the reaper takes it) and a job that did not succeed leaves
no file behind."""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from PIL import Image

from billing import policy
from enhance import engine
from enhance.engine.cuda_failures import is_out_of_memory, is_sticky_cuda_error
from enhance.engine.errors import Cancelled, EngineError, WeightsMissingError
from enhance.models import Job
from enhance.worker.finish import (
    finish_canceled,
    finish_failed,
    finish_succeeded,
    give_up_or_hand_back_after_device_failure,
    hand_back,
)
from enhance.worker.progress import JobReporter
from enhance.worker.result_store import delete_attempt_files, write_result

log = logging.getLogger(__name__)

# run_claimed_job's outcome after a sticky CUDA error: the job is back in the queue and this
# process must end (enhance.tasks ends it) because its CUDA context is unusable.
DEVICE_FAILED = "requeued: device failed"


def _load_original(job: Job) -> Image.Image:
    with job.photo.original.open("rb") as handle:
        image = Image.open(handle)
        image.load()
    return image


def run_claimed_job(job: Job, worker: str) -> str:
    """Returns the final status this worker recorded ("lost" if the job is no longer ours)."""
    started = time.monotonic()
    # Stages and errors are stored as text the owner reads later: write them in their language.
    language = job.owner.language or settings.LANGUAGE_CODE
    with translation.override(language), JobReporter(job.pk, worker) as reporter:
        try:
            policy.recheck_at_claim(job.owner, job.model, width=job.photo.width, height=job.photo.height)
        except policy.PolicyRefusal as refusal:
            return "failed" if finish_failed(job, worker, refusal.reason, refund=False) else "lost"
        try:
            reporter.progress(0.0, _("Loading the photo"), force=True)
            original = _load_original(job)
            outcome = engine.run_enhancement(
                original, job.model, job.options,
                device=settings.RESTORE_DEVICE,
                progress=reporter.progress,
                should_cancel=reporter.should_cancel,
            )
            reporter.progress(0.99, _("Saving the result"), force=True)
            stored = write_result(job, outcome.image, original)
        except Cancelled:
            delete_attempt_files(job)
            if reporter.handing_back and hand_back(job, worker):
                log.warning("job %s handed back: this worker is stopping", job.pk)
                return "handed back"
            return "canceled" if finish_canceled(job, worker, seconds=time.monotonic() - started) else "lost"
        except Exception as exc:
            delete_attempt_files(job)
            if is_sticky_cuda_error(exc):
                # The context is unusable whether or not the job was still ours: the process ends either way.
                now = give_up_or_hand_back_after_device_failure(job, worker, seconds=time.monotonic() - started)
                log.critical("job %s: sticky CUDA error, job %s; this worker process ends", job.pk, now, exc_info=exc)
                return DEVICE_FAILED
            log.exception("job %s (%s %s) failed", job.pk, job.model, job.options)
            error = user_facing_error(exc)
            return "failed" if finish_failed(job, worker, error, seconds=time.monotonic() - started) else "lost"
        if finish_succeeded(job, worker, stored, seconds=outcome.seconds, device=str(outcome.device),
                            precision=str(outcome.precision)):
            return "succeeded"
        # Canceled at the last moment, or reaped while we wrote: the file must not stay.
        delete_attempt_files(job)
        job.refresh_from_db()
        if job.cancel_requested and finish_canceled(job, worker, seconds=time.monotonic() - started):
            return "canceled"
        return "lost"


def user_facing_error(exc: BaseException) -> str:
    """A sentence for the owner; the stack trace goes to the log only."""
    if isinstance(exc, WeightsMissingError):
        return _("This model is not installed on the server yet. Please try again later.")
    if is_out_of_memory(exc):
        return _("The photo was too large for the worker's memory. Try a smaller photo or another model.")
    if isinstance(exc, MemoryError):
        return _("The server ran out of memory on this photo. Try a smaller photo or another model.")
    if isinstance(exc, ValueError):
        return _("These options cannot be used on this photo: %(reason)s") % {"reason": exc}
    if isinstance(exc, EngineError):
        return _("The enhancement could not be completed: %(reason)s") % {"reason": exc}
    if isinstance(exc, OSError | Image.DecompressionBombError):
        return _("The photo could not be read or the result could not be stored. Please try again.")
    return _("Something went wrong while processing this photo. Please try again.")

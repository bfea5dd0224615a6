"""The Job row: the source of truth for one enhancement of one photo.

The django-q2 message that wakes a worker carries nothing a worker must trust;
everything (status, attempts, who holds it, progress) lives here.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from enhance.engine.catalog import model_ids
from enhance.engine_text import job_label, options_summary, stage_label
from enhance.notifications.models import Notification  # noqa: F401  (registers the model with the app)
from enhance.stored_text import render


def validate_model_id(value: str) -> None:
    """A job runs a catalogued model (the engine's catalogue is the list; no choices in the
    schema, so adding a model needs no migration)."""
    if value not in model_ids():
        raise ValidationError(
            _("Unknown model “%(model)s”; choose one of: %(known)s."),
            code="unknown_model",
            params={"model": value, "known": ", ".join(model_ids())},
        )


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")
    CANCELED = "canceled", _("Canceled")


TERMINAL_STATUSES = (JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELED)


class Job(models.Model):
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="jobs")
    photo = models.ForeignKey("albums.Photo", on_delete=models.CASCADE, related_name="jobs")
    model = models.CharField(_("model"), max_length=32)
    options = models.JSONField(_("options"), default=dict, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED)
    # Higher runs first (billing's Admission.priority: Pro before Free).
    priority = models.SmallIntegerField(default=0)
    progress = models.PositiveSmallIntegerField(default=0)  # 0-100
    # Both kept untranslated and worded when read (stage_text, error_text): the stage as the
    # engine reports it or an English message id, the error as a message id with error_params
    # (enhance.stored_text). Rows from before hold finished text, which reads as it was written.
    stage = models.CharField(max_length=120, blank=True)
    error = models.CharField(_("error"), max_length=500, blank=True)
    error_params = models.JSONField(default=dict, blank=True)
    cancel_requested = models.BooleanField(default=False)
    attempts = models.PositiveSmallIntegerField(default=0)
    # Hand-backs after a sticky CUDA error: not the photo's fault, so they don't count as
    # attempts, but a photo that breaks every GPU it meets must not circulate for ever.
    device_failures = models.PositiveSmallIntegerField(default=0)
    # Which process holds a running job ("host:pid:nonce"); every write by a worker is
    # conditional on it, so a worker that lost its claim to the reaper cannot write.
    worker = models.CharField(max_length=120, blank=True)
    heartbeat = models.DateTimeField(null=True, blank=True)
    queued_at = models.DateTimeField(default=timezone.now, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True, db_index=True)
    compute_seconds = models.FloatField(default=0)
    device = models.CharField(max_length=32, blank=True)
    precision = models.CharField(max_length=8, blank=True)
    result = models.FileField(max_length=255, blank=True)
    result_width = models.PositiveIntegerField(null=True, blank=True)
    result_height = models.PositiveIntegerField(null=True, blank=True)
    result_bytes = models.PositiveBigIntegerField(null=True, blank=True)
    # Whether the result has transparency: JPEG downloads then offer a choice of background.
    result_has_alpha = models.BooleanField(default=False)

    class Meta:
        ordering = ["-queued_at", "-id"]
        indexes = [
            models.Index(fields=["status", "-priority", "queued_at"], name="job_claim_order"),
            models.Index(fields=["owner", "status"], name="job_owner_status"),
            # My jobs and the API list a user's jobs newest first: read in index order, no sort of all of them.
            models.Index(fields=["owner", "-queued_at", "-id"], name="job_owner_recent"),
            models.Index(fields=["status", "heartbeat"], name="job_heartbeat"),
        ]

    def __str__(self):
        return f"job {self.pk} ({self.model}, {self.status})"

    @property
    def is_terminal(self) -> bool:
        return self.status in TERMINAL_STATUSES

    def clean(self):
        super().clean()
        validate_model_id(self.model)

    @property
    def model_label(self) -> str:
        return job_label(self.model, self.options)

    @property
    def stage_text(self) -> str:
        """The stage in the active language."""
        return stage_label(self.stage)

    @property
    def error_text(self) -> str:
        """Why the job failed, in the active language."""
        return render(self.error, self.error_params)

    @property
    def options_label(self) -> str:
        return options_summary(self.model, self.options)

    def eta_seconds(self) -> int | None:
        """A rough time left, from the progress so far; None until there is enough to go on."""
        if self.status != JobStatus.RUNNING or not self.started_at or self.progress < 3:
            return None
        elapsed = (timezone.now() - self.started_at).total_seconds()
        return max(0, int(elapsed * (100 - self.progress) / self.progress))

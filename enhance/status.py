"""The small JSON a page polls for a job's live state."""

from django.urls import reverse
from rest_framework.fields import DateTimeField

# The REST API's format (ISO 8601, UTC as `Z`), so that every timestamp a client sees looks the same.
_timestamp = DateTimeField().to_representation


def job_payload(job) -> dict:
    payload = {
        "id": job.pk,
        "photo": job.photo_id,
        "model": job.model,
        "model_label": job.model_label,
        "options": job.options,
        "status": job.status,
        "status_label": str(job.get_status_display()),
        "progress": job.progress,
        "stage": job.stage_text,
        "eta_seconds": job.eta_seconds(),
        "error": job.error_text,
        "attempts": job.attempts,
        "finished": job.is_terminal,
        "queued_at": _timestamp(job.queued_at),
        "finished_at": _timestamp(job.finished_at),
        "cancel_url": reverse("enhance:cancel", args=[job.pk]),
    }
    if job.status == "succeeded" and job.result:
        payload.update(
            result_width=job.result_width,
            result_height=job.result_height,
            view_url=reverse("enhance:result_view", args=[job.pk]),
            download_url=reverse("enhance:result_download", args=[job.pk]),
        )
    return payload

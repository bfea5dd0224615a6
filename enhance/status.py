"""The small JSON a page polls for a job's live state."""

from django.urls import reverse


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
        "stage": job.stage,
        "eta_seconds": job.eta_seconds(),
        "error": job.error,
        "attempts": job.attempts,
        "finished": job.is_terminal,
        "queued_at": job.queued_at.isoformat(),
        "finished_at": job.finished_at.isoformat() if job.finished_at else None,
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

"""Telling a user that a job finished: an in-app notification (same transaction as the
job's final status) and, if the user asked for it, an email queued after the commit
(sent by a task of its own: enhance/notifications/email.py)."""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.utils.translation import gettext as _

from enhance.models import JobStatus
from enhance.notifications.email import enqueue_job_email
from enhance.notifications.models import Notification

log = logging.getLogger(__name__)


def job_url(job) -> str:
    try:
        return reverse("photo_detail", args=[job.photo_id]) + f"#job-{job.pk}"
    except NoReverseMatch:
        return reverse("enhance:my_jobs")


def _message(job) -> str:
    title = str(job.photo) if job.photo_id else _("your photo")
    if job.status == JobStatus.SUCCEEDED:
        return _("%(model)s of “%(title)s” is ready.") % {"model": job.model_label, "title": title}
    return _("%(model)s of “%(title)s” failed: %(error)s") % {
        "model": job.model_label, "title": title, "error": job.error}


def notify_job_finished(job) -> Notification:
    """Call inside the transaction that commits the job's final status."""
    user = job.owner
    with translation.override(user.language or settings.LANGUAGE_CODE):
        message = _message(job)[:300]
        notification = Notification.objects.create(user=user, job=job, message=message, url=job_url(job))
        if user.email_on_job_done and user.email:
            transaction.on_commit(lambda: enqueue_job_email(notification.pk))
    return notification

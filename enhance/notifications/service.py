"""Telling a user that a job finished: an in-app notification (same transaction as the
job's final status) and, if the user asked for it, an email queued after the commit
(sent by a task of its own: enhance/notifications/email.py)."""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.utils.translation import gettext_noop

from enhance.models import JobStatus
from enhance.notifications.email import enqueue_job_email
from enhance.notifications.models import Notification
from enhance.stored_text import message, render_stored

log = logging.getLogger(__name__)


def job_url(job) -> str:
    try:
        return reverse("photo_detail", args=[job.photo_id]) + f"#job-{job.pk}"
    except NoReverseMatch:
        return reverse("enhance:my_jobs")


# Every notification a job sends (tests check each has a Korean entry).
JOB_READY = gettext_noop("%(model)s of “%(title)s” is ready.")
JOB_FAILED = gettext_noop("%(model)s of “%(title)s” failed: %(error)s")
YOUR_PHOTO = gettext_noop("your photo")
NOTIFICATION_KEYS = (JOB_READY, JOB_FAILED, YOUR_PHOTO)


def _message(job) -> dict:
    """The notification as a message id and parameters, worded when someone reads it."""
    title = str(job.photo) if job.photo_id else message(YOUR_PHOTO)
    what = {"job": job.model, "options": job.options}
    if job.status == JobStatus.SUCCEEDED:
        return message(JOB_READY, model=what, title=title)
    return message(JOB_FAILED, model=what, title=title, error=message(job.error, **job.error_params))


def notify_job_finished(job) -> Notification:
    """Call inside the transaction that commits the job's final status."""
    user = job.owner
    stored = _message(job)
    with translation.override(settings.LANGUAGE_CODE):
        operators_text = render_stored(stored)[:300]
    notification = Notification.objects.create(
        user=user, job=job, key=stored["msgid"], params=stored["params"], message=operators_text, url=job_url(job),
    )
    if user.email_on_job_done and user.email:
        transaction.on_commit(lambda: enqueue_job_email(notification.pk))
    return notification

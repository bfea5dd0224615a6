"""The "job finished" email: a queue task of its own, sent after the job has committed.

A slow or dead mail server must never hold a worker that could be running jobs, nor
undo a finished job: the worker only enqueues this task (after the commit), the SMTP
connection gives up after EMAIL_TIMEOUT seconds, and a failed send is tried again later
(RETRY_DELAYS), then given up with a log line. The in-app notification is already there.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone, translation
from django.utils.translation import gettext as _

log = logging.getLogger(__name__)

TASK = "enhance.notifications.email.send_job_email"
# Minutes to wait before the 2nd, 3rd, ... attempt.
RETRY_DELAYS = (1, 5, 30, 120)


def enqueue_job_email(notification_id: int) -> None:
    """Call after the commit. Never raises: the job is done whatever happens to its email."""
    from django_q.tasks import async_task

    try:
        async_task(TASK, notification_id, 1, task_name=f"job-email-{notification_id}-1")
    except Exception:
        log.exception("could not queue the email for notification %s", notification_id)


def send_job_email(notification_id: int, attempt: int = 1) -> str:
    from enhance.notifications.models import Notification

    notification = Notification.objects.select_related("user").filter(pk=notification_id).first()
    if notification is None or not notification.user.email or not notification.user.email_on_job_done:
        return "nothing to send"
    user = notification.user
    # Worded in the recipient's language (their setting; the site's language when they chose none).
    with translation.override(user.language or settings.LANGUAGE_CODE):
        subject = _("Restore: a job finished")
        body = f"{notification.text}\n\n{settings.SITE_URL.rstrip('/')}{notification.url}\n"
    try:
        send_mail(subject, body, None, [user.email], fail_silently=False)
    except Exception as exc:  # SMTP errors, timeouts, refused connections: all the same here
        return _retry_later(notification_id, attempt, exc)
    return "sent"


def _retry_later(notification_id: int, attempt: int, exc: BaseException) -> str:
    if attempt > len(RETRY_DELAYS):
        log.error("giving up on the email for notification %s after %s attempts: %s", notification_id, attempt, exc)
        return "gave up"
    from django_q.models import Schedule
    from django_q.tasks import schedule

    delay = RETRY_DELAYS[attempt - 1]
    log.warning("email for notification %s failed (%s); attempt %s in %s min", notification_id, exc, attempt + 1,
                delay)
    schedule(
        TASK,
        notification_id,
        attempt + 1,
        name=f"job-email-{notification_id}-{attempt + 1}",
        schedule_type=Schedule.ONCE,
        repeats=1,
        next_run=timezone.now() + timedelta(minutes=delay),
    )
    return "retry scheduled"

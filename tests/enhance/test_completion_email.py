"""The completion email: EMAIL_URL/EMAIL_TIMEOUT, sent off the job's path, retried (issue 14, faults)."""

import logging
import runpy
import socket
import threading
import time
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from django_q.models import OrmQ, Schedule

from enhance import services, tasks
from enhance.models import Job
from enhance.notifications import email as job_email
from enhance.notifications.models import Notification
from restoreapp.email_url import parse_email_url
from tests.auth_defaults import _fast_password_hashing  # noqa: F401  (autouse here)

# --- EMAIL_URL and EMAIL_TIMEOUT ----------------------------------------------------------


def test_email_url_carries_host_credentials_and_timeout():
    parsed = parse_email_url("smtp+tls://mailer%40example.com:p%2Fss@smtp.example.com:2525?timeout=3.5")
    assert parsed == {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "smtp.example.com",
        "EMAIL_PORT": 2525,
        "EMAIL_HOST_USER": "mailer@example.com",
        "EMAIL_HOST_PASSWORD": "p/ss",
        "EMAIL_USE_TLS": True,
        "EMAIL_USE_SSL": False,
        "EMAIL_TIMEOUT": 3.5,
    }
    assert "EMAIL_TIMEOUT" not in parse_email_url("smtp://smtp.example.com")
    for bad in ("0", "-1", "soon"):
        with pytest.raises(ImproperlyConfigured, match="timeout"):
            parse_email_url(f"smtp://smtp.example.com?timeout={bad}")


def _settings_with(monkeypatch, tmp_path, **env) -> dict:
    for name in ("EMAIL_URL", "EMAIL_TIMEOUT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("RESTORE_VAR_DIR", str(tmp_path))
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(django_settings.BASE_DIR / "restoreapp" / "settings.py"))


def test_email_timeout_defaults_to_10_s_and_is_settable_both_ways(monkeypatch, tmp_path):
    assert _settings_with(monkeypatch, tmp_path)["EMAIL_TIMEOUT"] == 10.0
    assert _settings_with(monkeypatch, tmp_path, EMAIL_TIMEOUT="4")["EMAIL_TIMEOUT"] == 4.0
    url_wins = _settings_with(monkeypatch, tmp_path, EMAIL_TIMEOUT="4", EMAIL_URL="smtp://mail.internal:25?timeout=2")
    assert (url_wins["EMAIL_TIMEOUT"], url_wins["EMAIL_HOST"]) == (2.0, "mail.internal")


# --- mail servers that do not work --------------------------------------------------------


class SilentSmtpServer:
    """Accepts connections and never says a word (no 220 greeting), then hangs up after
    `hang_up_after` seconds so that code without a timeout fails the test instead of hanging it."""

    def __init__(self, hang_up_after: float = 8.0):
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(8)
        self.port = self.socket.getsockname()[1]
        self.hang_up_after = hang_up_after
        self.held = []
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self):
        self.socket.settimeout(0.2)
        started = time.monotonic()
        while time.monotonic() - started < self.hang_up_after:
            try:
                connection, _address = self.socket.accept()
                self.held.append(connection)
            except (TimeoutError, OSError):
                continue
        for connection in self.held:
            connection.close()

    def close(self):
        self.socket.close()


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def smtp_at(settings, port: int, timeout: float = 1.0):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = timeout


@pytest.fixture
def silent_smtp():
    server = SilentSmtpServer()
    yield server
    server.close()


@pytest.fixture
def emailed_owner(owner):
    owner.email_on_job_done = True
    owner.save()
    return owner


def _email_tasks():
    return [task for task in OrmQ.objects.all() if task.func() == job_email.TASK]


def test_a_silent_mail_server_does_not_hold_the_worker(
    engine_double, emailed_owner, photo, settings, silent_smtp, django_capture_on_commit_callbacks
):
    smtp_at(settings, silent_smtp.port, timeout=1.0)
    job = services.submit(emailed_owner, photo, "waifu2x", {"style": "art", "scale": 2, "noise": 1})
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.run_next_job(job.pk) == f"job {job.pk}: succeeded"
    assert time.monotonic() - started < 6.0  # the worker is free again at once (the server holds on for 8 s)
    assert Job.objects.get(pk=job.pk).status == "succeeded"
    assert len(_email_tasks()) == 1  # the email waits in the queue as a task of its own


@pytest.mark.parametrize("server", ["silent", "closed-port"])
def test_a_mail_outage_times_out_logs_and_retries_later(
    emailed_owner, settings, silent_smtp, caplog, server
):
    smtp_at(settings, silent_smtp.port if server == "silent" else closed_port(), timeout=1.0)
    notification = Notification.objects.create(user=emailed_owner, message="RealSR of “x” is ready.", url="/p/1/")
    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="enhance.notifications.email"):
        assert job_email.send_job_email(notification.pk) == "retry scheduled"
    assert time.monotonic() - started < 5.0  # EMAIL_TIMEOUT (1 s), not the server's 8 s
    assert "failed" in caplog.text
    retry = Schedule.objects.get(func=job_email.TASK)
    assert retry.args == f"({notification.pk}, 2)"
    assert retry.schedule_type == Schedule.ONCE
    assert timezone.now() + timedelta(seconds=30) < retry.next_run < timezone.now() + timedelta(minutes=2)


def test_the_retry_sends_once_the_server_is_back_and_gives_up_in_the_end(emailed_owner, settings, caplog):
    notification = Notification.objects.create(user=emailed_owner, message="ready", url="/p/1/")
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert job_email.send_job_email(notification.pk, 2) == "sent"
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [emailed_owner.email]
    smtp_at(settings, closed_port())
    last = len(job_email.RETRY_DELAYS) + 1
    with caplog.at_level(logging.ERROR, logger="enhance.notifications.email"):
        assert job_email.send_job_email(notification.pk, last) == "gave up"
    assert "giving up" in caplog.text
    assert not Schedule.objects.filter(func=job_email.TASK).exists()

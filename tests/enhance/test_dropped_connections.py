"""The database drops the app's connections: no request fails, workers carry on (issue 14, faults).

Run on PostgreSQL, e.g.
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/restore_x pytest tests/enhance/test_dropped_connections.py
"""

import psycopg
import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection
from django.test import Client, RequestFactory
from django.urls import reverse
from knox.models import get_token_model

from enhance import services, tasks
from enhance.models import Job
from tests.auth_defaults import _fast_password_hashing  # noqa: F401  (autouse here)

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_terminate_backend needs PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]


def terminate_app_backends() -> int:
    """What a failover or an operator does: end every other backend on the test database."""
    params = connection.get_connection_params()
    with psycopg.connect(
        dbname=connection.settings_dict["NAME"],
        host=params.get("host"),
        port=params.get("port"),
        user=params.get("user"),
        password=params.get("password"),
        autocommit=True,
    ) as admin:
        rows = admin.execute(
            # Waits (up to 5 s) until each backend has gone, as after a real failover.
            "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchall()
    return len(rows)


class InProcessServer:
    """Django's real WSGI handler in this thread: its persistent connection is the one
    that gets terminated, and request_started/finished run as under gunicorn (the test
    client switches those connection checks off)."""

    def __init__(self):
        self.handler = WSGIHandler()

    def get(self, path: str, **headers) -> int:
        environ = RequestFactory().get(path, **headers).environ
        status = []
        response = self.handler(environ, lambda line, _headers, *_: status.append(int(line.split()[0])))
        try:
            b"".join(response)
        finally:
            response.close()  # request_finished
        return status[0]


def test_terminating_the_apps_backends_again_and_again_gives_no_5xx(owner, photo):
    browser = Client()
    browser.force_login(owner)
    cookie = f"sessionid={browser.cookies['sessionid'].value}"
    _token_row, token = get_token_model().objects.create(user=owner, expiry=None)
    server = InProcessServer()
    pages = [
        (reverse("home"), {"HTTP_COOKIE": cookie}),
        (reverse("photo_detail", args=[photo.pk]), {"HTTP_COOKIE": cookie}),
        ("/api/v1/me/", {"HTTP_AUTHORIZATION": f"Token {token}"}),
        ("/api/v1/photos/", {"HTTP_AUTHORIZATION": f"Token {token}"}),
    ]
    statuses = []
    terminated = 0
    for _round in range(12):
        assert server.get(*pages[0][:1], **pages[0][1]) in (200, 302)  # a live connection to kill
        terminated += terminate_app_backends()
        for path, headers in pages * 2:
            statuses.append(server.get(path, **headers))
    assert terminated >= 12
    assert [s for s in statuses if s >= 500] == []
    assert set(statuses) == {200}


def test_a_worker_whose_connection_drops_mid_job_finishes_it(engine_double, owner, photo):
    job = services.submit(owner, photo, "waifu2x", {"style": "art", "scale": 2, "noise": 1})

    def drop_the_connection(step):
        if step in (1, 3):
            terminate_app_backends()

    engine_double.during_step = drop_the_connection
    assert tasks.run_next_job(job.pk) == f"job {job.pk}: succeeded"
    job.refresh_from_db()
    assert (job.status, job.progress) == ("succeeded", 100)


def test_a_worker_whose_connection_dropped_between_tasks_takes_the_next_job(engine_double, owner, photo):
    from django.db import close_old_connections

    job = services.submit(owner, photo, "waifu2x", {"style": "art", "scale": 2, "noise": 1})
    Job.objects.count()  # the worker's connection is open...
    terminate_app_backends()  # ...and dies while it waits for a message
    close_old_connections()  # what django-q2 runs before each task
    assert tasks.run_next_job(job.pk) == f"job {job.pk}: succeeded"


class CountingCheck:
    """Stands in for the round-trip check (`SELECT 1`), counting how often it is asked."""

    def __init__(self, real):
        self.real, self.calls = real, 0

    def __call__(self):
        self.calls += 1
        return self.real()


def start_of_a_request():
    connection.health_check_done = False  # what request_started does for a reused connection
    connection.close_if_health_check_failed()


def test_a_quiet_connection_is_reused_without_a_round_trip(monkeypatch):
    Job.objects.count()
    live = connection.connection
    check = CountingCheck(connection.is_usable)
    monkeypatch.setattr(connection, "is_usable", check)
    for _request in range(3):
        start_of_a_request()
        Job.objects.count()
    assert check.calls == 0
    assert connection.connection is live


def test_a_connection_the_server_ended_gets_the_real_check_and_is_replaced(monkeypatch):
    Job.objects.count()
    dead = connection.connection
    check = CountingCheck(connection.is_usable)
    monkeypatch.setattr(connection, "is_usable", check)
    assert terminate_app_backends() >= 1
    start_of_a_request()
    assert check.calls == 1
    assert connection.connection is None  # closed: the next query opens a new one
    assert Job.objects.count() == 0
    assert connection.connection is not dead

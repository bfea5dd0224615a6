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
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
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

"""A whole Restore deployment in subprocesses for end-to-end tests: its own database
(a SQLite file, or a fresh PostgreSQL database), media folder, `runserver` and
`manage.py qcluster`. The test talks to it over HTTP and reads its database directly.

pytest-django's test database is in memory (SQLite) or private to the test run, so a
worker subprocess could not see it; this stack owns its database instead."""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import psutil
import requests

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
PG_ADMIN_URL = os.environ.get("PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")

_SETUP = r"""
import io, json, sys
from PIL import Image
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.core.files.uploadedfile import SimpleUploadedFile
from accounts.models import User
from albums.uploads import ingest_photo
from billing.models import BillingProfile

spec = json.loads(sys.argv[-1])
user = User.objects.create_user(spec["email"], "correct-horse-battery-9", is_staff=True, is_superuser=True)
BillingProfile.objects.update_or_create(user=user, defaults={"granted_plan": "pro", "grant_note": "tests"})
session = SessionStore()
session[SESSION_KEY] = str(user.pk)
session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
session[HASH_SESSION_KEY] = user.get_session_auth_hash()
session.create()
photos = []
for index in range(spec["photos"]):
    size = spec["size"]
    image = Image.new("RGB", (size, size), (index * 37 % 256, 90, 200 - index % 150))
    for x in range(0, size, 2):
        image.putpixel((x, x), (255, 255, 255))
    data = io.BytesIO()
    image.save(data, "PNG")
    upload = SimpleUploadedFile(f"tiny{index}.png", data.getvalue(), content_type="image/png")
    photos.append(ingest_photo(user, upload, title=f"tiny {index}").pk)
if spec["announce"]:
    # Stands in for the cluster the test starts later, so jobs can be queued before it runs;
    # start_cluster() retires it once the real workers have published their own records.
    from enhance.capabilities.models import WorkerCapability
    from enhance.engine.catalog import get_spec
    from enhance.engine.catalog.spec import DeviceInfo

    WorkerCapability.objects.create(
        process="announced:0:stack", host="announced", pid=0, device={"kind": "cpu"}, device_kind="cpu",
        runnable={m: get_spec(m).limit_table(DeviceInfo("cpu"), {}) for m in spec["announce"]},
    )
print("STACK " + json.dumps({"session": session.session_key, "user": user.pk, "photos": photos}))
"""


def postgres_answers() -> bool:
    try:
        import psycopg

        psycopg.connect(PG_ADMIN_URL, connect_timeout=3).close()
        return True
    except Exception:
        return False


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Stack:
    def __init__(self, root: Path, *, database: str, weights_dir: str, env: dict | None = None):
        self.root = root
        self.database = database
        self.media = root / "media"
        self.processes: list[subprocess.Popen] = []
        self.cluster: subprocess.Popen | None = None
        self.pg_name = f"restore_stack_{os.getpid()}_{secrets.token_hex(3)}"
        self.env = {
            key: value for key, value in os.environ.items()
            if not key.startswith(("PYTEST", "DATABASE_URL", "DJANGO_SETTINGS_MODULE"))
        }
        self.env.update({
            "DJANGO_SETTINGS_MODULE": "restoreapp.settings",
            "RESTORE_VAR_DIR": str(root / "var"),
            "MEDIA_ROOT": str(self.media),
            "RESTORE_WEIGHTS_DIR": weights_dir,
            "RESTORE_DEVICE": "cpu",
            "DEBUG": "1",
            "LOG_LEVEL": "WARNING",
            "Q_LOG_LEVEL": "ERROR",
            # Fast crash detection for tests; production defaults are 5 s / 45 s.
            "JOB_HEARTBEAT_SECONDS": "1",
            "JOB_STALE_SECONDS": "4",
            # The announced worker (see _SETUP) must outlive the web server's start.
            "WORKER_STALE_SECONDS": "120",
            "Q_TIMEOUT": "60",
            "Q_RETRY": "70",
            "PYTHONUNBUFFERED": "1",
        })
        if database == "postgres":
            self.env["DATABASE_URL"] = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + self.pg_name
        self.env.update(env or {})
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.url = self.base_url  # what the browser helpers expect of a live server
        self.http = requests.Session()

    # -- lifecycle ------------------------------------------------------------
    def manage(self, *args: str, timeout: float = 300) -> str:
        result = subprocess.run(
            [PYTHON, "manage.py", *args], cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=timeout,
        )
        if result.returncode != 0:
            raise AssertionError(f"manage.py {' '.join(args[:2])} failed:\n{result.stdout}\n{result.stderr}")
        return result.stdout

    def create(self, *, photos: int = 2, size: int = 16, announce=("realsr", "waifu2x")) -> dict:
        (self.root / "var").mkdir(parents=True, exist_ok=True)
        self.media.mkdir(parents=True, exist_ok=True)
        if self.database == "postgres":
            import psycopg

            with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
                admin.execute(f'CREATE DATABASE "{self.pg_name}"')
        self.manage("migrate", "--noinput")
        spec = json.dumps({"email": "stack@example.com", "photos": photos, "size": size, "announce": list(announce)})
        out = self._setup(spec)
        data = json.loads(out.split("STACK ", 1)[1])
        self.photos = data["photos"]
        self.csrf = secrets.token_hex(16)
        self.http.cookies.set("sessionid", data["session"], domain="127.0.0.1")
        self.http.cookies.set("csrftoken", self.csrf, domain="127.0.0.1")
        self.session_key = data["session"]
        return data

    def _setup(self, spec: str) -> str:
        script = "import django; django.setup()\n" + _SETUP
        result = subprocess.run([PYTHON, "-c", script, spec], cwd=ROOT, env=self.env, capture_output=True, text=True,
                                timeout=120)
        if result.returncode != 0:
            raise AssertionError(f"stack setup failed:\n{result.stdout}\n{result.stderr}")
        return result.stdout

    def _spawn(self, args: list[str], name: str) -> subprocess.Popen:
        log = open(self.root / f"{name}.log", "ab")  # noqa: SIM115 (closed with the process)
        process = subprocess.Popen(args, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)
        process.log_file = log
        self.processes.append(process)
        return process

    def start_web(self) -> None:
        self._spawn([PYTHON, "manage.py", "runserver", "--noreload", f"127.0.0.1:{self.port}"], "web")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if requests.get(self.base_url + "/accounts/login/", timeout=2).status_code < 500:
                    return
            except requests.ConnectionError:
                time.sleep(0.3)
        raise AssertionError("runserver did not answer:\n" + self.log("web"))

    def start_cluster(self, workers: int = 1, entry: list[str] | None = None, *, wait: bool = True) -> None:
        self.env["Q_WORKERS"] = str(workers)
        self.cluster = self._spawn(entry or [PYTHON, "manage.py", "qcluster"], "cluster")
        if wait:
            self.wait_for(lambda: self.workers(), timeout=120, what="the cluster's capability records", interval=0.3)
            self.execute("UPDATE capabilities_workercapability SET stopped_at = heartbeat WHERE host = 'announced'")

    def workers(self) -> list[tuple]:
        """The cluster's own capability records (process, runnable), live or not."""
        return self.query("SELECT process, runnable FROM capabilities_workercapability WHERE host <> 'announced'")

    def log(self, name: str) -> str:
        path = self.root / f"{name}.log"
        return path.read_text(errors="replace")[-6000:] if path.exists() else ""

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                # A graceful qcluster stop can take long (it waits for its pusher's poll and
                # workers); the tests need no grace, and a hard kill is what crashes look like.
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
            process.log_file.close()
        self.http.close()
        if self.database == "postgres":
            import psycopg

            with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{self.pg_name}" WITH (FORCE)')

    # -- talking to it ------------------------------------------------------------
    def post(self, path: str, data: dict) -> requests.Response:
        return self.http.post(self.base_url + path, data=data, timeout=30,
                              headers={"Accept": "application/json", "X-CSRFToken": self.csrf})

    def get(self, path: str, **params) -> requests.Response:
        return self.http.get(self.base_url + path, params=params, timeout=30)

    def download(self, path: str, timeout: float = 120, **params) -> requests.Response:
        """GET a result download, waiting out "preparing" (202 + Retry-After) while a worker makes it."""
        deadline = time.monotonic() + timeout
        while True:
            response = self.get(path, **params)
            if response.status_code != 202 or time.monotonic() > deadline:
                return response
            time.sleep(float(response.headers.get("Retry-After", "1")))

    def query(self, sql: str, params: tuple = ()) -> list[tuple]:
        if self.database == "postgres":
            import psycopg

            with psycopg.connect(self.env["DATABASE_URL"]) as conn:
                return conn.execute(sql.replace("?", "%s"), params).fetchall()
        conn = sqlite3.connect(self.root / "var" / "db.sqlite3", timeout=30)
        try:
            return conn.execute(sql, params).fetchall()
        finally:
            conn.close()

    def execute(self, sql: str, params: tuple = ()) -> None:
        if self.database == "postgres":
            import psycopg

            with psycopg.connect(self.env["DATABASE_URL"]) as conn:
                conn.execute(sql.replace("?", "%s"), params)
            return
        conn = sqlite3.connect(self.root / "var" / "db.sqlite3", timeout=30)
        try:
            with conn:
                conn.execute(sql, params)
        finally:
            conn.close()

    def jobs(self) -> dict[int, dict]:
        rows = self.query("SELECT id, status, attempts, result, error, worker, progress FROM enhance_job")
        keys = ("id", "status", "attempts", "result", "error", "worker", "progress")
        return {row[0]: dict(zip(keys, row, strict=True)) for row in rows}

    def wait_for(self, predicate, timeout: float, what: str, interval: float = 0.5):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = predicate()
            if value:
                return value
            time.sleep(interval)
        raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}; jobs: {self.jobs()}\n"
                             f"cluster log:\n{self.log('cluster')}")

    def result_files(self) -> list[str]:
        root = self.media / "results"
        if not root.exists():
            return []
        return sorted(str(p.relative_to(self.media)) for p in root.rglob("*") if p.is_file())

    def worker_pid_of(self, worker: str) -> int | None:
        """The pid in a Job.worker value, if it is a live process of this stack's cluster."""
        try:
            pid = int(worker.split(":")[1])
        except (IndexError, ValueError):
            return None
        if self.cluster is None:
            return None
        try:
            descendants = {child.pid for child in psutil.Process(self.cluster.pid).children(recursive=True)}
        except psutil.NoSuchProcess:
            return None
        return pid if pid in descendants else None

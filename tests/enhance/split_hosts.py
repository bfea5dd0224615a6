"""A deployment split the way production is: an S3 endpoint (moto in server mode), one
PostgreSQL database, a web process and a worker cluster, each process with its own
environment and its own folders. Only the database and the bucket are shared.

The web process gets no weights folder of its own and no media folder the worker can see;
the workers get the weights. What any of them writes to local disk is checked by the tests.

    with split_hosts(tmp_path, weights_dir=..., workers={"a": {"RESTORE_WORKER_MODELS": "waifu2x"},
                                                         "b": {}}) as hosts:
        user = ApiUser.register(hosts, "someone@example.com", "a long password")
        photo = user.upload(tiny_png(24, 40))
        job = user.wait_finished(user.submit(photo, "waifu2x", {...}).json()["url"])

Each worker cluster is its own process group (its own "host": own folders, own environment);
`worker_pids(name)` are the processes of that cluster, `records(name)` their capability
records in the shared database."""

from __future__ import annotations

import contextlib
import io
import os
import secrets
import signal
import subprocess
import time
from pathlib import Path

import requests

from tests.enhance.stack import PG_ADMIN_URL, PYTHON, ROOT, free_port

BUCKET = "restore-test"
S3_KEYS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}


def _wait_http(url: str, what: str, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if requests.get(url, timeout=2).status_code < 500:
                return
        except requests.ConnectionError:
            time.sleep(0.3)
    raise AssertionError(f"{what} did not answer at {url}:\n{log.read_text(errors='replace')[-4000:]}")


class SplitHosts:
    def __init__(self, root: Path, *, weights_dir: str, env: dict | None = None):
        self.root = root
        self.weights_dir = weights_dir
        self.pg_name = f"restore_hostss3_{os.getpid()}_{secrets.token_hex(3)}"
        self.database_url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + self.pg_name
        self.s3_port = free_port()
        self.s3_url = f"http://127.0.0.1:{self.s3_port}"
        self.web_port = free_port()
        self.base_url = f"http://127.0.0.1:{self.web_port}"
        self.processes: dict[str, subprocess.Popen] = {}
        self.workers: dict[str, subprocess.Popen] = {}
        self._worker_pids: dict[str, set[int]] = {}
        base = {key: value for key, value in os.environ.items()
                if not key.startswith(("PYTEST", "DATABASE_URL", "DJANGO_SETTINGS_MODULE", "RESTORE_", "MEDIA_ROOT",
                                       "AWS_", "STORAGE", "Q_WORKERS", "JOB_", "WORKER_"))}
        self.shared_env = {
            **base, **S3_KEYS,
            "DJANGO_SETTINGS_MODULE": "restoreapp.settings",
            "DATABASE_URL": self.database_url,
            "STORAGE": "s3",
            "AWS_STORAGE_BUCKET_NAME": BUCKET,
            "AWS_S3_ENDPOINT_URL": self.s3_url,
            "AWS_S3_REGION_NAME": "us-east-1",
            "DEBUG": "1",
            "LOG_LEVEL": "WARNING",
            "Q_LOG_LEVEL": "ERROR",
            "PYTHONUNBUFFERED": "1",
            "JOB_HEARTBEAT_SECONDS": "1",
            "JOB_STALE_SECONDS": "6",
            **(env or {}),
        }
        self.web_dir = root / "web"
        # No RESTORE_WEIGHTS_DIR: the web host's default weights folder (under its own var/) is empty.
        self.web_env = {**self.shared_env, "RESTORE_VAR_DIR": str(self.web_dir / "var"),
                        "MEDIA_ROOT": str(self.web_dir / "media")}

    def worker_dir(self, name: str) -> Path:
        return self.root / f"worker-{name}"

    def worker_env(self, name: str, overrides: dict | None = None) -> dict:
        """A worker host's environment: its own folders, the weights, one CPU worker process."""
        folder = self.worker_dir(name)
        return {**self.shared_env, "RESTORE_VAR_DIR": str(folder / "var"), "MEDIA_ROOT": str(folder / "media"),
                "RESTORE_WEIGHTS_DIR": self.weights_dir, "RESTORE_DEVICE": "cpu", "Q_WORKERS": "1",
                **(overrides or {})}

    # -- lifecycle ---------------------------------------------------------------------
    def _spawn(self, name: str, args: list[str], env: dict) -> subprocess.Popen:
        log = open(self.root / f"{name}.log", "ab")  # noqa: SIM115 (closed in stop())
        process = subprocess.Popen(args, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)
        process.log_file = log
        self.processes[name] = process
        return process

    def log(self, name: str) -> str:
        path = self.root / f"{name}.log"
        return path.read_text(errors="replace")[-6000:] if path.exists() else ""

    def start(self, workers: dict[str, dict] | None = None) -> None:
        """moto, the database, the web process, then each worker cluster ({name: environment
        overrides}; by default one, "worker", with every model), ready once its record is live."""
        (self.web_dir / "var").mkdir(parents=True, exist_ok=True)
        self._spawn("s3", [PYTHON, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.s3_port)], os.environ.copy())
        _wait_http(self.s3_url + "/moto-api/", "moto", self.root / "s3.log")
        self.s3().create_bucket(Bucket=BUCKET)
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{self.pg_name}"')
        result = subprocess.run([PYTHON, "manage.py", "migrate", "--noinput"], cwd=ROOT, env=self.web_env,
                                capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, result.stdout + result.stderr
        self._spawn("web", [PYTHON, "manage.py", "runserver", "--noreload", f"127.0.0.1:{self.web_port}"],
                    self.web_env)
        _wait_http(self.base_url + "/accounts/login/", "the web process", self.root / "web.log")
        workers = {"worker": {}} if workers is None else workers
        for name, overrides in workers.items():  # all start at once: each imports torch
            self.start_worker(name, overrides, wait=False)
        for name in workers:
            self.wait_for_worker(name)

    def start_worker(self, name: str, overrides: dict | None = None, *, wait: bool = True) -> subprocess.Popen:
        (self.worker_dir(name) / "var").mkdir(parents=True, exist_ok=True)
        process = self._spawn(name, [PYTHON, "manage.py", "qcluster"], self.worker_env(name, overrides))
        self.workers[name] = process
        if wait:
            self.wait_for_worker(name)
        return process

    def wait_for_worker(self, name: str, timeout: float = 240) -> None:
        """The web host offers a model only once a live worker's capability record says it runs it."""
        deadline = time.monotonic() + timeout
        while not self.records(name, live_only=True):
            assert self.workers[name].poll() is None, f"worker {name} exited:\n" + self.log(name)
            assert time.monotonic() < deadline, f"worker {name} never published its capabilities:\n" + self.log(name)
            time.sleep(0.5)
        self._worker_pids[name] = self._pids_now(name)

    def _pids_now(self, name: str) -> set[int]:
        import psutil

        main = psutil.Process(self.workers[name].pid)
        return {main.pid, *(child.pid for child in main.children(recursive=True))}

    def worker_pids(self, name: str) -> set[int]:
        """Every process the cluster has run (kept after it is killed, for reading Job rows)."""
        if self.workers[name].poll() is None:
            self._worker_pids[name] = self._worker_pids.get(name, set()) | self._pids_now(name)
        return self._worker_pids.get(name, set())

    def records(self, name: str, *, live_only: bool = False) -> list[dict]:
        """The capability records published by this worker cluster's processes."""
        pids = self.worker_pids(name) if self.workers[name].poll() is not None else self._pids_now(name)
        sql = ("SELECT process, pid, runnable, missing, heartbeat, stopped_at FROM capabilities_workercapability"
               " WHERE pid = ANY(%s)")
        if live_only:
            sql += " AND stopped_at IS NULL"
        columns = ("process", "pid", "runnable", "missing", "heartbeat", "stopped_at")
        return [dict(zip(columns, row, strict=True)) for row in self.query(sql, (list(pids),))]

    def kill_worker(self, name: str) -> None:
        """The host vanishes (SIGKILL to the whole cluster): its record is not withdrawn, it expires."""
        self.worker_pids(name)
        os.killpg(self.workers[name].pid, signal.SIGKILL)
        self.workers[name].wait(timeout=30)

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
            process.log_file.close()
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{self.pg_name}" WITH (FORCE)')

    # -- looking at what is shared -------------------------------------------------------
    def s3(self):
        import boto3

        return boto3.client("s3", endpoint_url=self.s3_url, region_name="us-east-1",
                            aws_access_key_id=S3_KEYS["AWS_ACCESS_KEY_ID"],
                            aws_secret_access_key=S3_KEYS["AWS_SECRET_ACCESS_KEY"])

    def bucket_keys(self) -> list[str]:
        pages = self.s3().get_paginator("list_objects_v2").paginate(Bucket=BUCKET)
        return sorted(item["Key"] for page in pages for item in page.get("Contents", []))

    def local_files(self) -> list[str]:
        """Media either process wrote to its own disk (nothing should: media lives in S3)."""
        found = []
        for folder in (self.web_dir / "media", *(self.worker_dir(name) / "media" for name in self.workers)):
            if folder.exists():
                found += [str(path) for path in folder.rglob("*") if path.is_file()]
        return found

    def query(self, sql: str, params: tuple = ()) -> list[tuple]:
        import psycopg

        with psycopg.connect(self.database_url) as conn:
            return conn.execute(sql, params).fetchall()


@contextlib.contextmanager
def split_hosts(root: Path, *, weights_dir: str, workers: dict[str, dict] | None = None, env: dict | None = None):
    """Started hosts for one test, stopped (and their database dropped) however it ends.
    Their processes share their own PostgreSQL database whatever the pass: run in the
    PostgreSQL pass of `make test` only."""
    import pytest

    from tests.enhance.stack import postgres_answers

    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        pytest.skip("runs in the PostgreSQL pass of `make test` (DATABASE_URL=postgresql://...)")
    if not postgres_answers():
        pytest.skip(f"no PostgreSQL answers at {PG_ADMIN_URL}")
    hosts = SplitHosts(root, weights_dir=weights_dir, env=env)
    try:
        hosts.start(workers)
        yield hosts
    finally:
        hosts.stop()


# -- a user of the web host, through its HTTP API ----------------------------------------
def tiny_png(size: int, shade: int) -> bytes:
    from PIL import Image

    image = Image.new("RGB", (size, size), (shade, 90, 200))
    for x in range(0, size, 2):
        image.putpixel((x, x), (255, 255, 255))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


class ApiUser:
    def __init__(self, hosts: SplitHosts, token: str, email: str = "", password: str = ""):
        self.hosts, self.email, self.password = hosts, email, password
        self.api_root = hosts.base_url + "/api/v1/"
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Token {token}"

    @classmethod
    def register(cls, hosts: SplitHosts, email: str, password: str) -> ApiUser:
        answer = requests.post(hosts.base_url + "/api/v1/auth/register/", json={"email": email, "password": password},
                               timeout=30)
        assert answer.status_code == 201, answer.text
        return cls(hosts, answer.json()["token"], email, password)

    def web_session(self) -> requests.Session:
        """The same person signed in to the web pages (a session cookie, as a browser has)."""
        web = requests.Session()
        web.get(self.hosts.base_url + "/accounts/login/", timeout=30)
        login = web.post(self.hosts.base_url + "/accounts/login/", timeout=30, allow_redirects=False,
                         data={"login": self.email, "password": self.password,
                               "csrfmiddlewaretoken": web.cookies["csrftoken"]})
        assert login.status_code == 302, login.text[:500]
        return web

    def upload(self, png: bytes, title: str = "photo") -> dict:
        created = self.session.post(self.api_root + "photos/", files={"file": (f"{title}.png", png, "image/png")},
                                    data={"title": title}, timeout=60)
        assert created.status_code == 201, created.text
        return created.json()

    def submit(self, photo: dict, model: str, options: dict | None = None) -> requests.Response:
        return self.session.post(self.api_root + "jobs/", json={"photo": photo["id"], "model": model,
                                                                "options": options or {}}, timeout=30)

    def models(self) -> dict[str, dict]:
        answer = self.session.get(self.api_root + "models/", timeout=30)
        assert answer.status_code == 200, answer.text
        return {model["id"]: model for model in answer.json()}

    def wait_finished(self, job_url: str, timeout: float = 300) -> dict:
        """The job once it has ended; a failure shows the workers' logs."""
        deadline = time.monotonic() + timeout
        while True:
            job = self.session.get(job_url, timeout=30).json()
            if job["status"] in ("succeeded", "failed", "canceled"):
                assert job["status"] == "succeeded", (job, self.workers_logs())
                return job
            assert time.monotonic() < deadline, f"job never finished: {job}\n{self.workers_logs()}"
            time.sleep(0.5)

    def workers_logs(self) -> str:
        return "\n".join(f"--- {name}:\n{self.hosts.log(name)}" for name in self.hosts.workers)

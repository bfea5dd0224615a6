"""A deployment split the way production is: an S3 endpoint (moto in server mode), one
PostgreSQL database, a web process and a worker cluster, each process with its own
environment and its own folders. Only the database and the bucket are shared.

The web process gets no weights folder of its own and no media folder the worker can see;
the worker gets the weights. What either writes to local disk is checked by the tests."""

from __future__ import annotations

import contextlib
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
    def __init__(self, root: Path, *, weights_dir: str):
        self.root = root
        self.pg_name = f"restore_hostss3_{os.getpid()}_{secrets.token_hex(3)}"
        self.database_url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + self.pg_name
        self.s3_port = free_port()
        self.s3_url = f"http://127.0.0.1:{self.s3_port}"
        self.web_port = free_port()
        self.base_url = f"http://127.0.0.1:{self.web_port}"
        self.processes: dict[str, subprocess.Popen] = {}
        base = {key: value for key, value in os.environ.items()
                if not key.startswith(("PYTEST", "DATABASE_URL", "DJANGO_SETTINGS_MODULE", "RESTORE_", "MEDIA_ROOT",
                                       "AWS_", "STORAGE"))}
        shared = {
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
        }
        self.web_dir = root / "web"
        self.worker_dir = root / "worker"
        # No RESTORE_WEIGHTS_DIR: the web host's default weights folder (under its own var/) is empty.
        self.web_env = {**shared, "RESTORE_VAR_DIR": str(self.web_dir / "var"),
                        "MEDIA_ROOT": str(self.web_dir / "media")}
        self.worker_env = {**shared, "RESTORE_VAR_DIR": str(self.worker_dir / "var"),
                           "MEDIA_ROOT": str(self.worker_dir / "media"), "RESTORE_WEIGHTS_DIR": weights_dir,
                           "RESTORE_DEVICE": "cpu", "Q_WORKERS": "1"}

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

    def start(self) -> None:
        for folder in (self.web_dir, self.worker_dir):
            (folder / "var").mkdir(parents=True, exist_ok=True)
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
        self._spawn("worker", [PYTHON, "manage.py", "qcluster"], self.worker_env)
        self._wait_for_worker_record()

    def _wait_for_worker_record(self, timeout: float = 180) -> None:
        """The web host offers a model only once a live worker's capability record says it runs it."""
        deadline = time.monotonic() + timeout
        sql = (
            "SELECT count(*) FROM capabilities_workercapability "
            "WHERE stopped_at IS NULL AND runnable::text LIKE '%%waifu2x%%'"
        )
        while self.query(sql)[0][0] == 0:
            assert time.monotonic() < deadline, "the worker never published its capabilities:\n" + self.log("worker")
            time.sleep(0.5)

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
        for folder in (self.web_dir / "media", self.worker_dir / "media"):
            if folder.exists():
                found += [str(path) for path in folder.rglob("*") if path.is_file()]
        return found

    def query(self, sql: str, params: tuple = ()) -> list[tuple]:
        import psycopg

        with psycopg.connect(self.database_url) as conn:
            return conn.execute(sql, params).fetchall()

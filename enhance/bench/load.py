"""Runs the web load test: per checkout ("after" = this one, optionally "before" = another
worktree) its own PostgreSQL database, seeded library, collected static files and gunicorn
with deploy/gunicorn.conf.py (DEBUG off, Redis cache); then locust, headless and bounded in
time, at each concurrency, alternating the checkouts so the machine's noise hits both alike.

Everything listens on 127.0.0.1 only; databases and temporary folders are dropped at the end."""

from __future__ import annotations

import contextlib
import csv
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
LOCUSTFILE = HERE / "locustfile.py"
# Redis database for the servers' cache (rate limits); no test uses 11.
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/11"
DEFAULT_PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Target:
    """One checkout served by its own gunicorn on its own database."""

    name: str
    checkout: Path
    folder: Path
    database_url: str
    redis_url: str
    workers: int | None = None
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def fixture(self) -> Path:
        return self.folder / "fixture.json"

    def env(self) -> dict:
        env = {key: value for key, value in os.environ.items()
               if not key.startswith(("DATABASE_URL", "DJANGO_SETTINGS_MODULE", "PYTEST", "GUNICORN_"))}
        env.update({
            "DJANGO_SETTINGS_MODULE": "restoreapp.settings",
            "DEBUG": "0",
            "SECRET_KEY": "load-test-only-" + "x" * 40,
            "ALLOWED_HOSTS": "127.0.0.1",
            "SITE_URL": self.url,
            "SECURE_SSL_REDIRECT": "0",
            "DATABASE_URL": self.database_url,
            "REDIS_URL": self.redis_url,
            # One folder for every checkout, kept between runs (var/ is not in git): collectstatic
            # then only copies what changed.
            "RESTORE_VAR_DIR": str(ROOT / "var" / "bench-load"),
            "MEDIA_ROOT": str(self.folder / "media"),
            "RESTORE_WEIGHTS_DIR": str(self.folder / "no-weights"),
            # The seeded worker record stays live for the whole run.
            "WORKER_STALE_SECONDS": "1000000",
            "LOG_LEVEL": "WARNING",
            "GUNICORN_BIND": f"127.0.0.1:{self.port}",
            "PYTHONUNBUFFERED": "1",
        })
        if self.workers:
            env["GUNICORN_WORKERS"] = str(self.workers)
        return env

    def manage(self, *args: str, cwd: Path | None = None) -> str:
        result = subprocess.run([sys.executable, "manage.py", *args], cwd=cwd or self.checkout, env=self.env(),
                                capture_output=True, text=True, timeout=900)
        if result.returncode:
            raise RuntimeError(f"{self.name}: manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
        return result.stdout

    def prepare(self, *, accounts: int, photos: int, jobs: int, library_of: Target | None = None) -> None:
        """Migrate with this checkout's code, collect its static files, and seed: with this
        checkout's seeding code, or (a baseline) by copying `library_of`'s seeded library."""
        self.folder.mkdir(parents=True, exist_ok=True)
        self.manage("migrate", "--noinput", "-v0")
        self.manage("collectstatic", "--noinput", "-v0")
        if library_of is None:
            self.manage("bench_load", "--seed-into", str(self.fixture), "--accounts", str(accounts),
                        "--photos", str(photos), "--jobs", str(jobs), cwd=ROOT)
            return
        # An older checkout may lack columns added since (and its code no seeding command): both
        # sides get the very same rows, column by column, and the same files.
        copy_library(library_of.database_url, self.database_url)
        shutil.copytree(library_of.folder / "media", self.folder / "media", dirs_exist_ok=True)
        shutil.copyfile(library_of.fixture, self.fixture)

    def start(self) -> None:
        log = open(self.folder / "gunicorn.log", "ab")  # noqa: SIM115 (closed in stop())
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "restoreapp.wsgi"],
            cwd=self.checkout, env=self.env(), stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        self.process.log_file = log
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name}: gunicorn exited:\n{self.log_tail()}")
            login = self.url + "/accounts/login/"
            with contextlib.suppress(OSError), urllib.request.urlopen(login, timeout=2) as answer:
                if answer.status == 200:
                    return
            time.sleep(0.3)
        raise RuntimeError(f"{self.name}: gunicorn did not answer:\n{self.log_tail()}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        if self.process:
            self.process.log_file.close()

    def log_tail(self) -> str:
        path = self.folder / "gunicorn.log"
        return path.read_text(errors="replace")[-4000:] if path.exists() else ""

    def server_errors(self) -> int:
        """5xx answers and tracebacks in the server's log (the access log is gunicorn's stdout)."""
        path = self.folder / "gunicorn.log"
        if not path.exists():
            return 0
        count = 0
        for line in path.read_text(errors="replace").splitlines():
            if "Traceback" in line or '" 50' in line:
                count += 1
        return count


def _seeded_tables() -> list[str]:
    """The tables enhance.bench.seed writes, parents first."""
    from django.contrib.sessions.models import Session
    from knox.models import AuthToken

    from accounts.models import User
    from albums.models import Album, Photo
    from billing.models import BillingProfile
    from enhance.capabilities.models import WorkerCapability
    from enhance.models import Job
    from enhance.notifications.models import Notification

    models = [User, BillingProfile, Album, Photo, Job, Notification, Session, AuthToken, WorkerCapability]
    return [model._meta.db_table for model in models]


def _columns(connection, table: str) -> list[str]:
    rows = connection.execute("SELECT column_name FROM information_schema.columns WHERE table_name = %s "
                              "ORDER BY ordinal_position", (table,)).fetchall()
    return [row[0] for row in rows]


def copy_library(source_url: str, target_url: str) -> None:
    """Every seeded row from one load-test database into another, in the columns both have."""
    import psycopg
    from psycopg import sql

    with psycopg.connect(source_url) as source, psycopg.connect(target_url) as target:
        for table in _seeded_tables():
            theirs = set(_columns(target, table))
            if not theirs:
                continue  # the older schema has no such table (a feature it predates)
            columns = [name for name in _columns(source, table) if name in theirs]
            names = sql.SQL(", ").join(map(sql.Identifier, columns))
            read = sql.SQL("COPY {} ({}) TO STDOUT").format(sql.Identifier(table), names)
            write = sql.SQL("COPY {} ({}) FROM STDIN").format(sql.Identifier(table), names)
            with source.cursor().copy(read) as out, target.cursor().copy(write) as into:
                for block in out:
                    into.write(block)
            if "id" in columns:
                target.execute(sql.SQL("SELECT setval(pg_get_serial_sequence({}, 'id'), "
                                       "(SELECT COALESCE(MAX(id), 1) FROM {}))").format(
                    sql.Literal(table), sql.Identifier(table)))


@contextlib.contextmanager
def database(admin_url: str, name: str):
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield admin_url.rsplit("/", 1)[0] + "/" + name
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run_locust(target: Target, users: int, seconds: float, out: Path) -> dict:
    """One headless locust run; returns {"total": row, "endpoints": [rows]} from its CSV."""
    prefix = out / f"{target.name}-u{users}"
    env = {**os.environ, "LOAD_FIXTURE": str(target.fixture)}
    command = [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless", "--only-summary",
               "-u", str(users), "-r", str(users), "-t", f"{max(1, round(seconds))}s", "--host", target.url,
               "--csv", str(prefix), "--loglevel", "ERROR", "--stop-timeout", "5", "--exit-code-on-error", "0"]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=seconds + 120)
    if result.returncode:
        raise RuntimeError(f"locust failed ({result.returncode}):\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    rows = []
    with open(f"{prefix}_stats.csv", newline="") as stats:
        for row in csv.DictReader(stats):
            rows.append({
                "name": row["Name"], "requests": int(row["Request Count"]), "failures": int(row["Failure Count"]),
                "rps": float(row["Requests/s"]), "p50": _ms(row["50%"]), "p95": _ms(row["95%"]),
                "p99": _ms(row["99%"]), "max": _ms(row["Max Response Time"]), "mean": _ms(row["Average Response Time"]),
            })
    total = next(row for row in rows if row["name"] == "Aggregated")
    with open(f"{prefix}_failures.csv", newline="") as failures:
        errors = [f"{row['Name']}: {row['Error']} (x{row['Occurrences']})" for row in csv.DictReader(failures)]
    return {"total": total, "endpoints": [row for row in rows if row["name"] != "Aggregated"], "errors": errors}


def _ms(value: str) -> float:
    return float(value) if value not in ("", "N/A") else 0.0


def machine() -> str:
    model = "unknown CPU"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return f"{model}, {os.cpu_count()} cores"


def run(*, concurrencies: list[int], seconds: float, accounts: int, photos: int, jobs: int,
        baseline: Path | None, workers: int | None, rounds: int, admin_url: str, redis_url: str,
        database_prefix: str, warmup: float, log=print) -> dict:
    checkouts = ([("before", baseline)] if baseline else []) + [("after", ROOT)]
    with contextlib.ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="restore-load-")))
        targets = []
        # This checkout first: it seeds, and a baseline gets a copy of the same library.
        for name, checkout in reversed(checkouts):
            url = stack.enter_context(database(admin_url, f"{database_prefix}_{name}"))
            target = Target(name, Path(checkout).resolve(), folder / name, url, redis_url, workers)
            log(f"[{name}] migrate, collectstatic, seed {accounts} users x {photos} photos, {jobs} jobs ...")
            started = time.monotonic()
            target.prepare(accounts=accounts, photos=photos, jobs=jobs, library_of=targets[0] if targets else None)
            log(f"[{name}] ready in {time.monotonic() - started:.1f} s; starting gunicorn on {target.url}")
            stack.callback(target.stop)
            target.start()
            targets.insert(0, target)
        if warmup:
            for target in targets:
                run_locust(target, max(concurrencies), warmup, folder)
        results = {target.name: {} for target in targets}
        for users in concurrencies:
            for _ in range(rounds):
                for target in targets:
                    figures = run_locust(target, users, seconds, folder)
                    results[target.name].setdefault(str(users), []).append(figures)
                    total = figures["total"]
                    log(f"[{target.name}] {users:>3} users: {total['rps']:7.1f} req/s, p50 {total['p50']:.0f} ms, "
                        f"p95 {total['p95']:.0f} ms, p99 {total['p99']:.0f} ms, max {total['max']:.0f} ms, "
                        f"{total['failures']} failures")
                    for error in figures["errors"]:
                        log(f"    {error}")
        errors = {target.name: target.server_errors() for target in targets}
    return {"machine": machine(), "seconds": seconds, "rounds": rounds, "accounts": accounts, "photos": photos,
            "jobs": jobs, "workers": workers, "results": results, "server_errors": errors}


def markdown(report: dict) -> str:
    """Per target and concurrency: the totals, then every endpoint (first round of each)."""
    lines = [f"Machine: {report['machine']}; {report['seconds']:.0f} s per step, {report['accounts']} users x "
             f"{report['photos']} photos and {report['jobs']} jobs.", "",
             "| checkout | users | req/s | p50 ms | p95 ms | p99 ms | max ms | failures |",
             "|---|---|---|---|---|---|---|---|"]
    for name, by_users in report["results"].items():
        for users, runs in by_users.items():
            for figures in runs:
                t = figures["total"]
                lines.append(f"| {name} | {users} | {t['rps']:.1f} | {t['p50']:.0f} | {t['p95']:.0f} | {t['p99']:.0f} "
                             f"| {t['max']:.0f} | {t['failures']} |")
    names = list(report["results"])
    for users in next(iter(report["results"].values())):
        lines += ["", f"Per endpoint, {users} users (p50 / p95 / p99 ms, req/s):", "",
                  "| endpoint | " + " | ".join(names) + " |", "|---" * (len(names) + 1) + "|"]
        endpoints = [row["name"] for row in report["results"][names[-1]][users][0]["endpoints"]]
        for endpoint in endpoints:
            cells = []
            for name in names:
                row = next((r for r in report["results"][name][users][0]["endpoints"] if r["name"] == endpoint), None)
                cells.append(f"{row['p50']:.0f} / {row['p95']:.0f} / {row['p99']:.0f}, {row['rps']:.1f}/s"
                             if row else "")
            lines.append(f"| {endpoint} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def save(report: dict, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=1))

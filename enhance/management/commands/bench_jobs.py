"""Job-system benchmark: submit-to-start latency and throughput of a real worker cluster.

Runs in a throwaway environment (its own SQLite file and media folder under a temp
directory, unless --database-url names another throwaway database) so it never writes
into the site's data. Tiny waifu2x jobs keep the numbers about the queue, not the network.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.utils import timezone

JOB_OPTIONS = {"style": "photo", "scale": 2, "noise": 0}


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


class Command(BaseCommand):
    help = "Measure submit-to-start latency (median, p95) and throughput with 1 and 2 workers."

    def add_arguments(self, parser):
        parser.add_argument("--latency-jobs", type=int, default=100)
        parser.add_argument("--throughput-jobs", type=int, default=40)
        parser.add_argument("--database-url", default="", help="a THROWAWAY database (default: a temp SQLite file)")
        parser.add_argument("--json", action="store_true", help="print the figures as JSON")
        parser.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)

    def handle(self, *args, **opts):
        if opts["inner"]:
            return self._inner(opts)
        with tempfile.TemporaryDirectory(prefix="restore-bench-") as folder:
            env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
            env.update({
                "RESTORE_VAR_DIR": str(Path(folder) / "var"),
                "MEDIA_ROOT": str(Path(folder) / "media"),
                "RESTORE_WEIGHTS_DIR": str(settings.WEIGHTS_DIR),
                "LOG_LEVEL": "WARNING",
                "Q_LOG_LEVEL": "ERROR",
            })
            if opts["database_url"]:
                env["DATABASE_URL"] = opts["database_url"]
            command = [sys.executable, "manage.py", "bench_jobs", "--inner",
                       "--latency-jobs", str(opts["latency_jobs"]), "--throughput-jobs", str(opts["throughput_jobs"])]
            if opts["json"]:
                command.append("--json")
            completed = subprocess.run(command, cwd=settings.BASE_DIR, env=env, check=False)
            if completed.returncode:
                raise SystemExit(completed.returncode)

    # -- inside the throwaway environment ------------------------------------------------
    def _inner(self, opts):
        call_command("migrate", verbosity=0, interactive=False)
        photo = self._tiny_photo()
        figures = {}
        with self._cluster(workers=1):
            self._warm_up(photo)
            figures["latency"] = self._latency(photo, opts["latency_jobs"])
            figures["throughput_1_worker"] = self._throughput(photo, opts["throughput_jobs"])
        with self._cluster(workers=2):
            self._warm_up(photo, count=2)
            figures["throughput_2_workers"] = self._throughput(photo, opts["throughput_jobs"])
        figures["database"] = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
        figures["broker"] = settings.Q_BROKER
        figures["poll_seconds"] = settings.Q_CLUSTER.get("poll")
        if opts["json"]:
            self.stdout.write(json.dumps(figures, indent=2))
            return
        latency = figures["latency"]
        self.stdout.write(f"jobs benchmark ({figures['database']}, {figures['broker']} broker, "
                          f"poll {figures['poll_seconds']} s, tiny waifu2x jobs)")
        self.stdout.write(f"  submit-to-start latency over {latency['jobs']} jobs: "
                          f"median {latency['median_ms']:.0f} ms, p95 {latency['p95_ms']:.0f} ms")
        for key, label in (("throughput_1_worker", "1 worker"), ("throughput_2_workers", "2 workers")):
            row = figures[key]
            self.stdout.write(f"  throughput, {label}: {row['jobs_per_second']:.2f} jobs/s "
                              f"({row['jobs']} jobs in {row['seconds']:.1f} s)")

    def _tiny_photo(self):
        import io

        from django.core.files.uploadedfile import SimpleUploadedFile
        from PIL import Image

        from accounts.models import User
        from albums.uploads import ingest_photo

        user, _created = User.objects.get_or_create(email="bench@restore.local")
        try:
            from billing.models import BillingProfile

            BillingProfile.objects.update_or_create(user=user, defaults={"granted_plan": "pro", "grant_note": "bench"})
        except ImportError:
            pass
        data = io.BytesIO()
        Image.new("RGB", (16, 16), (90, 120, 200)).save(data, "PNG")
        return ingest_photo(user, SimpleUploadedFile("bench.png", data.getvalue(), content_type="image/png"))

    def _cluster(self, workers: int):
        command = self

        class Cluster:
            def __enter__(self):
                env = {**os.environ, "Q_WORKERS": str(workers)}
                started = timezone.now()
                self.process = subprocess.Popen([sys.executable, "manage.py", "qcluster"], cwd=settings.BASE_DIR,
                                                env=env, start_new_session=True)
                command._wait_for_workers(workers, started)
                return self

            def __exit__(self, *exc):
                os.killpg(self.process.pid, signal.SIGTERM)
                try:
                    self.process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    os.killpg(self.process.pid, signal.SIGKILL)
                    self.process.wait()
                command._wait_idle_broker()

        return Cluster()

    def _wait_for_workers(self, count: int, since, timeout: float = 300):
        # Submission offers only what live workers run: wait for this cluster's records.
        from enhance.capabilities.models import WorkerCapability

        deadline = time.monotonic() + timeout
        while WorkerCapability.objects.live().filter(started_at__gte=since).count() < count:
            if time.monotonic() > deadline:
                raise SystemExit("the cluster's workers did not publish their capability records in time")
            time.sleep(0.2)

    def _wait_idle_broker(self):
        from django_q.models import OrmQ

        OrmQ.objects.all().delete()  # leftover wake-ups of a stopped cluster would skew the next phase

    def _submit(self, photo):
        from enhance import services

        return services.submit(photo.owner, photo, "waifu2x", JOB_OPTIONS)

    def _wait(self, job_ids: list[int], timeout: float = 600):
        from enhance.models import Job, JobStatus

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not Job.objects.filter(pk__in=job_ids).exclude(status__in=[JobStatus.SUCCEEDED, JobStatus.FAILED,
                                                                         JobStatus.CANCELED]).exists():
                return list(Job.objects.filter(pk__in=job_ids))
            time.sleep(0.05)
        raise SystemExit("jobs did not finish in time: is the cluster running?")

    def _warm_up(self, photo, count: int = 1):
        # Each worker process loads the network once; that is not queue latency.
        self._wait([self._submit(photo).pk for _ in range(count * 2)])

    def _latency(self, photo, count: int) -> dict:
        delays = []
        for _ in range(count):
            (job,) = self._wait([self._submit(photo).pk])
            delays.append((job.started_at - job.queued_at).total_seconds() * 1000)
        return {"jobs": count, "median_ms": statistics.median(delays), "p95_ms": percentile(delays, 0.95),
                "max_ms": max(delays)}

    def _throughput(self, photo, count: int) -> dict:
        started = time.monotonic()
        jobs = self._wait([self._submit(photo).pk for _ in range(count)])
        seconds = time.monotonic() - started
        failed = sum(1 for job in jobs if job.status != "succeeded")
        return {"jobs": count, "seconds": seconds, "jobs_per_second": count / seconds, "failed": failed}


"""Progress, heartbeat and cancellation for one running job, all through the Job row.

Every write is conditional on this worker still holding the job, so a worker the
reaper gave up on cannot overwrite the job's next run."""

from __future__ import annotations

import logging
import threading
import time

from django.conf import settings
from django.db import connection
from django.utils import timezone

from enhance.models import Job, JobStatus
from enhance.worker import stopping
from restoreapp.db_retry import retry_if_dropped

log = logging.getLogger(__name__)

# At most two progress writes a second, and as many cancellation reads.
MIN_WRITE_INTERVAL = 0.5
MIN_CANCEL_CHECK_INTERVAL = 0.5


class JobReporter:
    def __init__(self, job_id: int, worker: str, *, heartbeat_seconds: float | None = None):
        self.job_id = job_id
        self.worker = worker
        self.heartbeat_seconds = heartbeat_seconds or settings.JOB_HEARTBEAT_SECONDS
        self.lost = False  # the row is no longer ours (reaped, or finished elsewhere)
        self.handing_back = False  # the worker is stopping and this job will not finish in time
        self._fraction = 0.0
        self._started = time.monotonic()
        self._last_write = 0.0
        self._last_cancel_check = 0.0
        self._cancel = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _mine(self):
        return Job.objects.filter(pk=self.job_id, worker=self.worker, status=JobStatus.RUNNING)

    # -- progress (called by the engine between tiles) -------------------------
    def progress(self, fraction: float, stage: str, *, force: bool = False) -> None:
        self._fraction = fraction
        now = time.monotonic()
        if not force and now - self._last_write < MIN_WRITE_INTERVAL:
            return
        self._last_write = now
        # 99 at most until the result is stored: 100 means done.
        percent = max(0, min(99, int(fraction * 100)))
        # Kept as the engine reports it (an English key); readers see it in their language.
        reported = str(stage)[:120]
        written = retry_if_dropped(
            lambda: self._mine().update(progress=percent, stage=reported, heartbeat=timezone.now()))
        if not written:
            self.lost = True

    def should_cancel(self) -> bool:
        if self._cancel or self.lost or self.handing_back:
            return True
        if stopping.should_hand_back(self._fraction, time.monotonic() - self._started):
            self.handing_back = True
            return True
        now = time.monotonic()
        if now - self._last_cancel_check < MIN_CANCEL_CHECK_INTERVAL:
            return False
        self._last_cancel_check = now
        row = retry_if_dropped(
            lambda: Job.objects.filter(pk=self.job_id).values("worker", "status", "cancel_requested").first()
        )
        if row is None or row["worker"] != self.worker or row["status"] != JobStatus.RUNNING:
            self.lost = True
        elif row["cancel_requested"]:
            self._cancel = True
        return self._cancel or self.lost

    # -- heartbeat (a thread, so a long tile or a model load still counts as alive) --
    def start(self) -> JobReporter:
        self._thread = threading.Thread(target=self._beat, name=f"heartbeat-job-{self.job_id}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _beat(self) -> None:
        try:
            while not self._stop.wait(self.heartbeat_seconds):
                try:
                    if not retry_if_dropped(lambda: self._mine().update(heartbeat=timezone.now())):
                        self.lost = True
                        return
                except Exception:  # a busy database must not kill the job; the next beat retries
                    log.warning("heartbeat for job %s failed", self.job_id, exc_info=True)
        finally:
            connection.close()  # this thread's own connection

    def __enter__(self) -> JobReporter:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

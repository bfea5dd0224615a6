import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from enhance.models import Job
from enhance.worker.claim import claim_next
from enhance.worker.progress import JobReporter


def _updates(queries) -> int:
    return sum(1 for q in queries if q["sql"].startswith("UPDATE"))


@pytest.fixture
def claimed(queued_job, monkeypatch):
    """The claimed job, its reporter, and the clock the reporter reads (a list to advance)."""
    job = claim_next("w1")
    clock = [1000.0]
    monkeypatch.setattr("enhance.worker.progress.time.monotonic", lambda: clock[0])
    return job, JobReporter(job.pk, "w1"), clock


def test_progress_writes_at_most_twice_a_second(claimed):
    job, reporter, clock = claimed
    with CaptureQueriesContext(connection) as queries:
        for step in range(100):  # 100 tiles within 2 seconds
            clock[0] += 0.02
            reporter.progress(step / 100, "tile")
    assert _updates(queries.captured_queries) == 4  # 2 s at <= 2 writes a second
    assert Job.objects.get(pk=job.pk).progress > 0


def test_cancel_checks_are_throttled_too(claimed):
    job, reporter, clock = claimed
    with CaptureQueriesContext(connection) as queries:
        for _ in range(50):
            clock[0] += 0.02
            assert reporter.should_cancel() is False
    assert len(queries.captured_queries) == 2
    Job.objects.filter(pk=job.pk).update(cancel_requested=True)
    clock[0] += 1
    assert reporter.should_cancel() is True


@pytest.mark.django_db(transaction=True)  # the heartbeat thread has its own connection: no test-wide transaction
def test_heartbeat_thread_beats_and_stops(queued_job):
    job = claim_next("w1")
    Job.objects.filter(pk=job.pk).update(heartbeat=None)
    reporter = JobReporter(job.pk, "w1", heartbeat_seconds=0.05).start()
    try:
        import time

        deadline = time.monotonic() + 5
        while Job.objects.get(pk=job.pk).heartbeat is None and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        reporter.stop()
    assert Job.objects.get(pk=job.pk).heartbeat is not None
    assert not reporter._thread.is_alive()

from datetime import timedelta

from django.utils import timezone

from enhance import services
from enhance.models import Job
from enhance.worker.claim import claim_next


def _job(owner, photo, *, priority=0, age=0):
    job = services.submit(owner, photo, "realsr", {})
    Job.objects.filter(pk=job.pk).update(priority=priority, queued_at=timezone.now() - timedelta(seconds=age))
    return job


def test_claim_takes_the_oldest_of_the_highest_priority(owner, photo):
    old_free = _job(owner, photo, priority=0, age=100)
    new_pro = _job(owner, photo, priority=10, age=1)
    old_pro = _job(owner, photo, priority=10, age=50)
    order = [claim_next("w1").pk for _ in range(3)]
    assert order == [old_pro.pk, new_pro.pk, old_free.pk]
    assert claim_next("w1") is None


def test_claim_counts_the_attempt_and_records_the_worker(owner, photo):
    job = _job(owner, photo)
    claimed = claim_next("host:1:abc")
    assert claimed.pk == job.pk
    assert (claimed.status, claimed.attempts, claimed.worker) == ("running", 1, "host:1:abc")
    assert claimed.heartbeat is not None and claimed.started_at is not None


def test_a_job_is_claimed_once(owner, photo):
    _job(owner, photo)
    first = claim_next("w1")
    assert first is not None
    assert claim_next("w2") is None
    assert Job.objects.get(pk=first.pk).worker == "w1"


def test_canceled_and_running_jobs_are_never_claimed(owner, photo):
    job = _job(owner, photo)
    services.cancel(owner, job)
    assert claim_next("w1") is None


def test_lost_race_moves_on_to_the_next_job(owner, photo, monkeypatch):
    """Simulate another worker taking the candidate between our SELECT and UPDATE."""
    from enhance.worker import claim

    first, second = _job(owner, photo, age=10), _job(owner, photo, age=5)
    real = claim._best_queued_id
    stolen = []

    def racing(runnable):
        candidate = real(runnable)
        if not stolen:
            Job.objects.filter(pk=candidate).update(status="running", worker="thief")
            stolen.append(candidate)
        return candidate

    monkeypatch.setattr(claim, "_best_queued_id", racing)
    won = claim_next("w1")
    assert stolen == [first.pk]
    assert won.pk == second.pk
    assert Job.objects.get(pk=first.pk).worker == "thief"

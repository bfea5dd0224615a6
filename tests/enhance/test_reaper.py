from datetime import timedelta

import pytest
from django.utils import timezone
from django_q.models import OrmQ

from enhance import services
from enhance.models import Job
from enhance.notifications.models import Notification
from enhance.worker.claim import claim_next
from enhance.worker.reaper import reap_stale_jobs
from enhance.worker.result_store import result_name
from tests.enhance.conftest import result_files


@pytest.fixture
def running_job(owner, photo, settings):
    settings.JOB_STALE_SECONDS = 30
    settings.JOB_MAX_ATTEMPTS = 3
    services.submit(owner, photo, "realsr", {})
    return claim_next("dead-host:999:abc")


def _age_heartbeat(job, seconds):
    Job.objects.filter(pk=job.pk).update(heartbeat=timezone.now() - timedelta(seconds=seconds))


def _leftover(media, job):
    path = media / result_name(Job.objects.get(pk=job.pk))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"half a png")
    (media / (result_name(Job.objects.get(pk=job.pk)) + ".part")).write_bytes(b"half")


def test_a_fresh_heartbeat_is_left_alone(running_job):
    _age_heartbeat(running_job, 5)
    assert reap_stale_jobs()["requeued"] == 0
    assert Job.objects.get(pk=running_job.pk).status == "running"


def test_a_stale_job_is_requeued_with_a_wakeup_and_its_leftovers_removed(running_job, _isolated_media,
                                                                         django_capture_on_commit_callbacks):
    _age_heartbeat(running_job, 60)
    _leftover(_isolated_media, running_job)
    OrmQ.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        assert reap_stale_jobs()["requeued"] == 1
    job = Job.objects.get(pk=running_job.pk)
    assert (job.status, job.worker, job.attempts) == ("queued", "", 1)
    assert OrmQ.objects.count() == 1
    assert result_files(_isolated_media) == []
    again = claim_next("w2")
    assert (again.pk, again.attempts) == (job.pk, 2)


def test_at_the_attempt_limit_the_job_fails_with_the_worker_stopped_message(running_job, _isolated_media):
    Job.objects.filter(pk=running_job.pk).update(attempts=3)
    _age_heartbeat(running_job, 60)
    _leftover(_isolated_media, Job.objects.get(pk=running_job.pk))
    assert reap_stale_jobs()["failed"] == 1
    job = Job.objects.get(pk=running_job.pk)
    assert (job.status, job.error) == ("failed", "the worker stopped while processing this photo")
    assert job.attempts == 3
    assert Notification.objects.filter(job=job).count() == 1
    assert result_files(_isolated_media) == []


def test_a_stale_job_that_was_being_canceled_ends_canceled(running_job, owner):
    services.cancel(owner, running_job)
    _age_heartbeat(running_job, 60)
    assert reap_stale_jobs()["canceled"] == 1
    assert Job.objects.get(pk=running_job.pk).status == "canceled"


def test_a_worker_that_beats_again_is_not_overwritten(running_job, monkeypatch):
    """The row changed between the reaper's read and its update: the update must not apply."""
    _age_heartbeat(running_job, 60)
    from enhance.worker import reaper

    real = reaper._reap_one

    def beat_then_reap(job):
        Job.objects.filter(pk=job.pk).update(heartbeat=timezone.now())
        return real(job)

    monkeypatch.setattr(reaper, "_reap_one", beat_then_reap)
    assert reap_stale_jobs()["requeued"] == 0
    assert Job.objects.get(pk=running_job.pk).status == "running"


def test_queued_jobs_without_a_wakeup_get_one(owner, photo, settings):
    settings.JOB_STALE_SECONDS = 30
    job = services.submit(owner, photo, "realsr", {})  # on_commit never ran: the message is "lost"
    Job.objects.filter(pk=job.pk).update(queued_at=timezone.now() - timedelta(minutes=5))
    assert OrmQ.objects.count() == 0
    assert reap_stale_jobs()["wakeups"] == 1
    assert OrmQ.objects.count() == 1
    assert reap_stale_jobs()["wakeups"] == 0  # one waiting message is enough


def test_the_reaper_schedule_exists(db):
    from django_q.models import Schedule

    schedule = Schedule.objects.get(func="enhance.tasks.reap_stale_jobs")
    assert (schedule.schedule_type, schedule.minutes, schedule.repeats) == ("I", 1, -1)

"""Only work the user received counts against the month's quota: a job canceled before it
started, or one that failed (its input passed every check at submit), is given back."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from billing import policy
from enhance import services
from enhance.models import Job, JobStatus
from enhance.worker.claim import claim_next
from enhance.worker.finish import finish_canceled, finish_failed
from enhance.worker.reaper import reap_stale_jobs


def _submit(owner, photo, capture):
    with capture(execute=True):
        return services.submit(owner, photo, "waifu2x", {"style": "art", "scale": 2, "noise": 1})


def test_a_job_canceled_before_it_started_is_not_counted(owner, photo, django_capture_on_commit_callbacks):
    job = _submit(owner, photo, django_capture_on_commit_callbacks)
    assert policy.jobs_used(owner) == 1
    services.cancel(owner, job)
    assert policy.jobs_used(owner) == 0
    services.cancel(owner, job)  # a second cancel gives nothing back twice
    assert policy.jobs_used(owner) == 0


def test_a_job_canceled_while_running_still_counts(owner, photo, django_capture_on_commit_callbacks):
    job = _submit(owner, photo, django_capture_on_commit_callbacks)
    claimed = claim_next("w1")
    services.cancel(owner, job)
    assert finish_canceled(claimed, "w1")
    assert policy.jobs_used(owner) == 1


def test_a_failed_job_is_given_back_once(owner, photo, django_capture_on_commit_callbacks):
    _submit(owner, photo, django_capture_on_commit_callbacks)
    claimed = claim_next("w1")
    assert finish_failed(claimed, "w1", "the photo was too large for the worker's memory")
    assert not finish_failed(claimed, "w1", "again")  # no longer held: nothing happens
    assert policy.jobs_used(owner) == 0


def test_a_job_whose_worker_kept_dying_is_given_back(owner, photo, django_capture_on_commit_callbacks):
    job = _submit(owner, photo, django_capture_on_commit_callbacks)
    claim_next("w1")
    old = timezone.now() - timedelta(hours=1)
    Job.objects.filter(pk=job.pk).update(attempts=settings.JOB_MAX_ATTEMPTS, heartbeat=old)
    reap_stale_jobs()
    assert Job.objects.get(pk=job.pk).status == JobStatus.FAILED
    assert policy.jobs_used(owner) == 0


def test_a_succeeded_job_counts(owner, photo, django_capture_on_commit_callbacks):
    _submit(owner, photo, django_capture_on_commit_callbacks)
    _submit(owner, photo, django_capture_on_commit_callbacks)
    assert policy.jobs_used(owner) == 2

"""Results older than the plan keeps them are deleted; the job rows stay."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.utils import timezone

from billing.plans import FREE, PRO
from billing.retention import purge_expired_results
from enhance.models import Job, JobStatus
from tests.billing.conftest import make_subscription

pytestmark = pytest.mark.django_db


def finished_job(owner, photo, days_ago: float, priority: int = FREE.priority) -> Job:
    job = Job.objects.create(
        owner=owner, photo=photo, model="realsr", status=JobStatus.SUCCEEDED, progress=100, priority=priority,
        finished_at=timezone.now() - timedelta(days=days_ago), result_width=8, result_height=8, result_bytes=3,
    )
    job.result.save(f"results/{owner.pk}/job{job.pk}-a1.png", ContentFile(b"png"), save=True)
    return job


def assert_purged(job):
    name = job.result.name
    job.refresh_from_db()
    assert not job.result and job.result_width is None and job.result_bytes is None
    assert job.status == JobStatus.SUCCEEDED  # the job and its history stay
    assert not default_storage.exists(name)


def assert_kept(job):
    job.refresh_from_db()
    assert job.result and default_storage.exists(job.result.name)


def test_free_results_older_than_30_days_are_deleted_newer_ones_stay(owner, photo):
    old = finished_job(owner, photo, days_ago=31)
    recent = finished_job(owner, photo, days_ago=29)
    assert purge_expired_results() == 1
    assert_purged(old)
    assert_kept(recent)
    assert purge_expired_results() == 0  # running again changes nothing


def test_a_pro_subscriber_keeps_everything_even_results_made_on_free(owner, photo):
    make_subscription(owner, "active", timezone.now() + timedelta(days=10))
    made_on_free = finished_job(owner, photo, days_ago=200, priority=FREE.priority)
    made_on_pro = finished_job(owner, photo, days_ago=200, priority=PRO.priority)
    assert purge_expired_results() == 0
    assert_kept(made_on_free)
    assert_kept(made_on_pro)


def test_results_made_on_pro_stay_after_the_plan_ends(owner, photo):
    make_subscription(owner, "canceled", timezone.now() - timedelta(days=1))
    made_on_pro = finished_job(owner, photo, days_ago=90, priority=PRO.priority)
    made_on_free = finished_job(owner, photo, days_ago=90, priority=FREE.priority)
    assert purge_expired_results() == 1
    assert_kept(made_on_pro)
    assert_purged(made_on_free)


def test_jobs_without_a_result_are_left_alone(owner, photo):
    failed = Job.objects.create(owner=owner, photo=photo, model="realsr", status=JobStatus.FAILED,
                                finished_at=timezone.now() - timedelta(days=90), error="boom")
    assert purge_expired_results() == 0
    failed.refresh_from_db()
    assert failed.error == "boom"


def test_management_command_reports_and_has_a_dry_run(owner, photo):
    old = finished_job(owner, photo, days_ago=45)
    out = StringIO()
    call_command("purge_expired_results", "--dry-run", stdout=out)
    assert "1 results would be deleted" in out.getvalue()
    assert_kept(old)
    out = StringIO()
    call_command("purge_expired_results", stdout=out)
    assert "1 expired results deleted" in out.getvalue()
    assert_purged(old)


def test_the_purge_is_scheduled_daily():
    from django_q.models import Schedule

    schedule = Schedule.objects.get(func="billing.retention.purge_expired_results")
    assert schedule.schedule_type == Schedule.DAILY and schedule.repeats == -1


def test_renditions_go_with_the_result(owner, photo):
    from enhance.renditions import family

    old = finished_job(owner, photo, days_ago=31)
    for member in family(old.result.name)[1:]:
        default_storage.save(member, ContentFile(b"made from the result"))
    assert purge_expired_results() == 1
    assert not any(default_storage.exists(member) for member in family(old.result.name))

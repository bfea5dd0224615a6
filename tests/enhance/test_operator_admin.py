from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from enhance import services, tasks
from enhance.models import Job
from enhance.worker.claim import claim_next
from tests import factories


@pytest.fixture
def staff_client(client, db):
    staff = factories.make_user("ops@example.com", is_staff=True, is_superuser=True)
    client.force_login(staff)
    return client


def test_dashboard_shows_queue_running_failures_and_chart(staff_client, owner, photo, engine_double):
    done = services.submit(owner, photo, "realsr", {})
    tasks.run_next_job()
    Job.objects.filter(pk=done.pk).update(compute_seconds=3600)
    failed = services.submit(owner, photo, "realsr", {})
    Job.objects.filter(pk=failed.pk).update(status="failed", error="boom", finished_at=timezone.now())
    services.submit(owner, photo, "waifu2x", {})
    services.submit(owner, photo, "waifu2x", {})
    running = claim_next("gpu-host-1:42:abc")
    Job.objects.filter(pk=running.pk).update(heartbeat=timezone.now() - timedelta(seconds=600))

    response = staff_client.get(reverse("admin:enhance_dashboard"))
    assert response.status_code == 200
    html = response.content.decode()
    assert response.context["queued"] == 1
    assert len(response.context["running"]) == 1 and response.context["running"][0].is_stale
    assert response.context["failed_last_day"] == 1
    assert "gpu-host-1:42:abc" in html
    assert "<svg" in html and "<rect" in html


def test_dashboard_is_for_staff_only(owner_client):
    response = owner_client.get(reverse("admin:enhance_dashboard"))
    assert response.status_code == 302 and "login" in response["Location"]


def test_job_list_filters(staff_client, owner, photo):
    services.submit(owner, photo, "realsr", {})
    for query in ({"status__exact": "queued"}, {"model__exact": "realsr"}, {"device__exact": "cpu"},
                  {"owner__id__exact": owner.pk}):
        assert staff_client.get(reverse("admin:enhance_job_changelist"), query).status_code == 200


def test_retry_and_cancel_actions(staff_client, owner, photo):
    failed = services.submit(owner, photo, "realsr", {})
    Job.objects.filter(pk=failed.pk).update(status="failed", attempts=3, error="the worker stopped")
    queued = services.submit(owner, photo, "waifu2x", {})
    url = reverse("admin:enhance_job_changelist")
    staff_client.post(url, {"action": "retry_jobs", "_selected_action": [failed.pk]})
    failed.refresh_from_db()
    assert (failed.status, failed.attempts, failed.error) == ("queued", 0, "")
    staff_client.post(url, {"action": "cancel_jobs", "_selected_action": [queued.pk, failed.pk]})
    assert set(Job.objects.values_list("status", flat=True)) == {"canceled"}

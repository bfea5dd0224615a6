"""The plan is enforced wherever a job can start: the web form, the REST API and the worker."""

from datetime import timedelta

import pytest
from django.utils import timezone
from knox.models import get_token_model
from rest_framework.test import APIClient

from albums.models import Photo
from billing import policy
from billing.models import MonthlyUsage
from billing.plans import FREE, PRO
from enhance.models import Job
from enhance.worker.claim import claim_next, worker_identity
from enhance.worker.runner import run_claimed_job
from tests.billing.conftest import make_subscription

pytestmark = pytest.mark.django_db


def token_client(user) -> APIClient:
    _instance, token = get_token_model().objects.create(user=user, expiry=None)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def _oversize_for_free(photo):
    # The policy reads the dimensions recorded at upload; 2100 x 2000 is 4.2 MP.
    Photo.objects.filter(pk=photo.pk).update(width=2100, height=2000)
    photo.refresh_from_db()
    return photo


def _use_up_quota(user):
    MonthlyUsage.objects.create(user=user, month=policy.month_start(timezone.now()), jobs=FREE.jobs_per_month)


# --- web form -------------------------------------------------------------------------------


def test_web_free_user_asking_for_restoration_gets_402_with_reason_and_upgrade_link(
    owner_client, photo, bopb_installed
):
    response = owner_client.post(f"/photos/{photo.pk}/enhance/", {"type": "restore"})
    assert response.status_code == 402
    page = response.content.decode()
    assert "Free plan does not include" in page
    assert 'href="/billing/pricing/"' in page
    assert not Job.objects.exists()


def test_web_oversized_photo_for_free_gets_402(owner_client, photo):
    _oversize_for_free(photo)
    response = owner_client.post(f"/photos/{photo.pk}/enhance/", {"type": "sr"}, HTTP_ACCEPT="application/json")
    assert response.status_code == 402
    body = response.json()
    assert "4.2 megapixels" in body["error"] and "up to 4 megapixels" in body["error"]
    assert body["upgrade_url"] == "/billing/pricing/"
    assert not Job.objects.exists()


def test_web_free_quota_used_up_gets_402_and_no_job(owner_client, owner, photo):
    _use_up_quota(owner)
    response = owner_client.post(f"/photos/{photo.pk}/enhance/", {"type": "sr"}, HTTP_ACCEPT="application/json")
    assert response.status_code == 402
    assert "all 30 jobs" in response.json()["error"]
    assert not Job.objects.exists()
    assert policy.jobs_used(owner) == FREE.jobs_per_month


def test_web_pro_user_gets_the_job_with_pro_priority_and_it_is_counted(owner_client, owner, photo):
    make_subscription(owner, "active", timezone.now() + timedelta(days=20))
    _oversize_for_free(photo)
    response = owner_client.post(f"/photos/{photo.pk}/enhance/", {"type": "sr"}, HTTP_ACCEPT="application/json")
    assert response.status_code == 202
    assert Job.objects.get().priority == PRO.priority
    assert policy.jobs_used(owner) == 1


# --- REST API -------------------------------------------------------------------------------


def test_api_free_user_asking_for_restoration_gets_402_with_reason(owner, photo, bopb_installed):
    response = token_client(owner).post(
        "/api/v1/jobs/", {"photo": photo.pk, "model": "bopb", "options": {}}, format="json"
    )
    assert response.status_code == 402
    assert response.json()["error"]["code"] == "payment_required"
    assert "Free plan does not include" in response.json()["error"]["message"]
    assert not Job.objects.exists()


def test_api_oversized_and_quota_refusals_are_402(owner, photo):
    api = token_client(owner)
    _oversize_for_free(photo)
    response = api.post("/api/v1/jobs/", {"photo": photo.pk, "model": "realsr", "options": {}}, format="json")
    assert response.status_code == 402
    assert "megapixels" in response.json()["error"]["message"]

    Photo.objects.filter(pk=photo.pk).update(width=100, height=100)
    _use_up_quota(owner)
    response = api.post("/api/v1/jobs/", {"photo": photo.pk, "model": "realsr", "options": {}}, format="json")
    assert response.status_code == 402
    assert "all 30 jobs" in response.json()["error"]["message"]
    assert not Job.objects.exists()


def test_api_me_reports_plan_usage_and_limits(owner, photo):
    api = token_client(owner)
    assert api.post("/api/v1/jobs/", {"photo": photo.pk, "model": "realsr", "options": {}},
                    format="json").status_code == 202
    me = api.get("/api/v1/me/").json()
    assert me["plan"] == "free"
    assert (me["usage"]["jobs_this_month"], me["usage"]["jobs_remaining"]) == (1, FREE.jobs_per_month - 1)
    assert me["limits"]["max_pixels"] == FREE.max_pixels

    make_subscription(owner, "active", timezone.now() + timedelta(days=9))
    me = api.get("/api/v1/me/").json()
    assert me["plan"] == "pro"
    assert me["usage"]["renews_at"] == str(timezone.localdate(timezone.now() + timedelta(days=9)))


# --- worker ---------------------------------------------------------------------------------


def test_worker_fails_a_job_whose_plan_lapsed_before_it_ran_and_counts_it_once(owner, photo):
    subscription = make_subscription(owner, "active", timezone.now() + timedelta(days=1))
    _oversize_for_free(photo)
    from enhance import services

    services.submit(owner, photo, "realsr", {})  # allowed on Pro
    assert policy.jobs_used(owner) == 1
    subscription.status = "canceled"
    subscription.current_period_end = timezone.now() - timedelta(minutes=1)
    subscription.save()

    worker = worker_identity()
    job = claim_next(worker)
    assert run_claimed_job(job, worker) == "failed"
    job.refresh_from_db()
    assert job.status == "failed"
    assert "megapixels" in job.error
    assert policy.jobs_used(owner) == 1  # the claim and failure never count again

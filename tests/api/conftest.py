import pytest
from knox.models import get_token_model
from rest_framework.test import APIClient

from tests import factories
from tests.auth_defaults import _fast_password_hashing, _fresh_rate_limits  # noqa: F401  (autouse here)


def token_client(user) -> APIClient:
    _instance, token = get_token_model().objects.create(user=user, expiry=None)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


@pytest.fixture
def owner_api(owner):
    return token_client(owner)


@pytest.fixture
def other_api(other_user):
    return token_client(other_user)


@pytest.fixture
def anon_api():
    return APIClient()


@pytest.fixture
def job(owner, photo):
    from enhance.models import Job

    return Job.objects.create(owner=owner, photo=photo, model="waifu2x", options={"style": "art", "scale": 2,
                                                                                   "noise": 0})


def finished_job_for(owner, photo):
    """A succeeded job with a real PNG result on storage."""
    from django.core.files.base import ContentFile
    from django.utils import timezone

    from enhance.models import Job, JobStatus

    finished = Job.objects.create(
        owner=owner, photo=photo, model="waifu2x", options={"style": "art", "scale": 2, "noise": 0},
        status=JobStatus.SUCCEEDED, progress=100, started_at=timezone.now(), finished_at=timezone.now(),
        result_width=128, result_height=96,
    )
    png = factories.image_bytes("PNG", size=(128, 96))
    finished.result.save(f"results/test-{finished.pk}.png", ContentFile(png), save=False)
    finished.result_bytes = len(png)
    finished.save()
    return finished


@pytest.fixture
def finished_job(owner, photo):
    return finished_job_for(owner, photo)

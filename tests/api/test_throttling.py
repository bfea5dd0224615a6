"""Per-user throttles on uploads and job submissions: 429 with Retry-After, other users unaffected."""

import pytest

from tests import factories
from tests.api.conftest import token_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def tight_rates(settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"uploads": "2/min", "job_submissions": "3/hour"},
    }


def _upload(client):
    return client.post("/api/v1/photos/", {"file": factories.upload_file(factories.image_bytes())},
                       format="multipart")


def test_uploads_are_throttled_per_user(tight_rates, owner_api, other_user):
    assert [_upload(owner_api).status_code for _ in range(2)] == [201, 201]
    refused = _upload(owner_api)
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert refused.json()["error"]["code"] == "throttled"
    assert _upload(token_client(other_user)).status_code == 201
    # Reading is not throttled.
    assert owner_api.get("/api/v1/photos/").status_code == 200


def test_job_submissions_are_throttled_per_user(tight_rates, owner_api, photo):
    body = {"photo": photo.pk, "model": "waifu2x"}
    assert [owner_api.post("/api/v1/jobs/", body, format="json").status_code for _ in range(3)] == [202] * 3
    refused = owner_api.post("/api/v1/jobs/", body, format="json")
    assert refused.status_code == 429
    assert 3000 < int(refused["Retry-After"]) <= 3600
    assert owner_api.get("/api/v1/jobs/").json()["count"] == 3

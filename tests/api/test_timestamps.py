"""One timestamp format everywhere a client looks: ISO 8601 in UTC, written with `Z`."""

import re

import pytest

from tests import factories

pytestmark = pytest.mark.django_db

UTC_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")


def test_api_and_status_json_timestamps_end_in_z(owner_api, owner_client, album, photo, finished_job):
    login = owner_api.post("/api/v1/auth/token/", {"email": "owner@example.com", "password": factories.PASSWORD})
    job = owner_api.get(f"/api/v1/jobs/{finished_job.pk}/").json()
    stamps = [
        login.json()["expiry"],
        owner_api.get(f"/api/v1/photos/{photo.pk}/").json()["uploaded_at"],
        owner_api.get(f"/api/v1/albums/{album.pk}/").json()["created_at"],
        job["queued_at"], job["started_at"], job["finished_at"],
    ]
    # The site's own job status JSON (what the pages poll) uses the same format.
    [web_job] = owner_client.get("/jobs/status.json", {"ids": finished_job.pk}).json()["jobs"]
    stamps += [web_job["queued_at"], web_job["finished_at"]]
    for stamp in stamps:
        assert UTC_Z.match(stamp), stamp

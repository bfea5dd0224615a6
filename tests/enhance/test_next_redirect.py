"""`next=` on the job cancel/delete forms only ever leads to a page of this site (issue 14)."""

import pytest
from django.urls import reverse

from enhance import services
from tests.auth_defaults import _fast_password_hashing  # noqa: F401  (autouse here)

OUTSIDE = [
    "https://evil.example/phish",
    "//evil.example/phish",
    "/\\evil.example/phish",
    "\\\\evil.example",
    "http:/evil.example",
    "javascript:alert(1)",
    " https://evil.example",
]


def _canceled_job(owner, photo):
    return services.cancel(owner, services.submit(owner, photo, "realsr", {}))


@pytest.mark.parametrize("target", OUTSIDE)
@pytest.mark.parametrize("action", ["cancel", "delete"])
def test_an_external_next_falls_back_to_the_photo_page(owner_client, owner, photo, action, target):
    job = _canceled_job(owner, photo) if action == "delete" else services.submit(owner, photo, "realsr", {})
    response = owner_client.post(reverse(f"enhance:{action}", args=[job.pk]), {"next": target})
    assert response.status_code == 302
    assert response["Location"] == reverse("photo_detail", args=[photo.pk])


@pytest.mark.parametrize("action", ["cancel", "delete"])
def test_a_path_on_this_site_is_followed(owner_client, owner, photo, action):
    job = _canceled_job(owner, photo) if action == "delete" else services.submit(owner, photo, "realsr", {})
    target = reverse("enhance:my_jobs") + "?status=canceled"
    response = owner_client.post(reverse(f"enhance:{action}", args=[job.pk]), {"next": target})
    assert response["Location"] == target

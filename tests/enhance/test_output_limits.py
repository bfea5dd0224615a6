"""Bounded outputs: a result larger than the plan allows is refused at submit, with the
reason, before anything is queued; downloads are offered only in formats that can hold it."""

import pytest
from django_q.models import OrmQ

from albums.models import Photo
from billing import policy
from billing.models import BillingProfile
from enhance import services
from enhance.engine.catalog import all_specs
from enhance.models import Job
from enhance.output_limits import formats_for_size, output_pixels


def _sized(photo, width, height):
    Photo.objects.filter(pk=photo.pk).update(width=width, height=height)
    photo.refresh_from_db()
    return photo


def _make_pro(user):
    BillingProfile.objects.update_or_create(user=user, defaults={"granted_plan": "pro", "grant_note": "tests"})


def test_every_model_knows_its_output_size_before_it_runs():
    for spec in all_specs():
        width, height = spec.output_size(300, 200, {})
        assert width >= 300 and height >= 200 and width * 2 == height * 3


def test_free_result_over_its_cap_is_refused_with_an_upgrade(owner, photo):
    _sized(photo, 1900, 1900)  # 3.6 MP, inside Free's input limit; x4 is 57.8 MP
    with pytest.raises(services.SubmitRefused) as refused:
        services.submit(owner, photo, "waifu2x", {"style": "photo", "scale": 4, "noise": 0})
    assert refused.value.status == 402
    assert "7600 × 7600" in refused.value.message and "16 megapixels" in refused.value.message
    assert refused.value.upgrade_url == "/billing/pricing/"
    assert not Job.objects.exists() and not OrmQ.objects.exists()
    assert policy.jobs_used(owner) == 0  # the refused job is not counted against the quota
    # x2 is 14.4 MP: allowed.
    assert services.submit(owner, photo, "waifu2x", {"style": "photo", "scale": 2, "noise": 0}).pk


def test_pro_result_over_its_cap_is_refused_without_an_upgrade(owner, photo, settings):
    _make_pro(owner)
    _sized(photo, 4000, 3000)  # 12 MP; RealSR x4 = 192 MP > 100 MP
    with pytest.raises(services.SubmitRefused) as refused:
        services.submit(owner, photo, "realsr", {})
    assert refused.value.status == 400
    assert "192" in refused.value.message and "100 megapixels" in refused.value.message
    assert not Job.objects.exists()
    settings.OUTPUT_MAX_PIXELS_PRO = 200_000_000
    assert services.submit(owner, photo, "realsr", {}).pk


def test_api_refusal_names_the_reason(owner, photo):
    from rest_framework.test import APIClient

    _sized(photo, 1900, 1900)
    client = APIClient()
    client.force_authenticate(owner)
    response = client.post("/api/v1/jobs/", {"photo": photo.pk, "model": "realsr", "options": {}}, format="json")
    assert response.status_code == 402
    assert "16 megapixels" in response.json()["error"]["message"]


@pytest.mark.parametrize(
    ("size", "offered"),
    [
        ((4000, 3000), ["png", "jpeg", "webp"]),
        ((16_383, 100), ["png", "jpeg", "webp"]),
        ((16_384, 100), ["png", "jpeg"]),
        ((100, 65_536), ["png"]),
    ],
)
def test_only_formats_that_can_hold_the_result_are_offered(size, offered):
    assert formats_for_size(*size) == offered


def test_output_pixels_follow_the_options():
    assert output_pixels("waifu2x", {"style": "art", "scale": 2, "noise": 0}, 10, 20) == (20, 40)

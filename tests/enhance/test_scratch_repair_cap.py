"""Scratch repair's time grows with the square of the photo's pixels: each worker publishes its
limit for its device (SCRATCH_REPAIR_MAX_PIXELS on CPUs, 2 MP by default; more on GPUs), and a
photo above every live worker's limit is refused at submit, with the reason."""

import pytest
from django.urls import reverse

from albums.models import Photo
from enhance import services
from enhance.engine.catalog.bopb import gpu_scratch_pixels
from enhance.models import Job
from tests.billing.conftest import make_subscription
from tests.workers import GPU_24GB, no_workers, publish_worker

pytestmark = pytest.mark.django_db


def _sized(photo, width, height):
    Photo.objects.filter(pk=photo.pk).update(width=width, height=height)
    photo.refresh_from_db()
    return photo


def _scratch_limit(worker, pixels):
    worker.runnable["bopb"]["scratches"] = pixels
    worker.save(update_fields=["runnable"])


@pytest.fixture
def pro_owner(owner):
    make_subscription(owner)
    return owner


def test_a_photo_over_the_cap_is_refused_with_the_reason(bopb_installed, pro_owner, photo):
    with pytest.raises(services.SubmitRefused) as refused:
        services.submit(pro_owner, _sized(photo, 2000, 1200), "bopb", {"scratches": True})
    assert refused.value.status == 400
    assert "up to 2 megapixels; this one has 2.4" in str(refused.value)
    assert Job.objects.count() == 0


def test_at_the_cap_and_without_scratch_repair_it_runs(bopb_installed, pro_owner, photo):
    assert services.submit(pro_owner, _sized(photo, 2000, 1000), "bopb", {"scratches": True})
    assert services.submit(pro_owner, _sized(photo, 6000, 4000), "bopb", {"scratches": False})
    assert Job.objects.count() == 2


def test_the_largest_limit_among_live_workers_decides(bopb_installed, live_worker, pro_owner, photo):
    large = _sized(photo, 6000, 4000)  # 24 MP
    with pytest.raises(services.SubmitRefused):
        services.submit(pro_owner, large, "bopb", {"scratches": True})
    gpu = publish_worker(("realsr", "waifu2x", "bopb"), device=GPU_24GB, host="gpu-1")
    # the spec's GPU default, from its memory and arithmetic (enhance/engine/catalog/bopb.py)
    assert gpu.runnable["bopb"]["scratches"] == gpu_scratch_pixels(GPU_24GB) > 24_000_000
    assert services.submit(pro_owner, large, "bopb", {"scratches": True})
    huge = _sized(photo, 7000, 4000)  # 28 MP: above that GPU's cap, within Pro's 40 MP uploads
    assert gpu_scratch_pixels(GPU_24GB) < 28_000_000
    with pytest.raises(services.SubmitRefused) as refused:
        services.submit(pro_owner, huge, "bopb", {"scratches": True})
    assert "megapixels" in str(refused.value)
    _scratch_limit(gpu, None)  # SCRATCH_REPAIR_MAX_PIXELS_CUDA=0 on that host: no cap
    assert services.submit(pro_owner, huge, "bopb", {"scratches": True})


def test_the_limit_comes_from_the_workers_environment(pro_owner, photo):
    no_workers()
    worker = publish_worker(("bopb",), env={"SCRATCH_REPAIR_MAX_PIXELS": "1000000"})
    assert worker.runnable["bopb"] == {"scratches": 1_000_000}
    with pytest.raises(services.SubmitRefused):
        services.submit(pro_owner, _sized(photo, 1500, 1000), "bopb", {"scratches": True})


def test_the_api_answers_400_with_the_reason(bopb_installed, live_worker, pro_owner, photo):
    from rest_framework.test import APIClient

    _scratch_limit(live_worker, 1_000_000)
    client = APIClient()
    client.force_authenticate(pro_owner)
    response = client.post(
        "/api/v1/jobs/",
        {"photo": _sized(photo, 1500, 1000).pk, "model": "bopb", "options": {"scratches": True}},
        format="json",
    )
    assert response.status_code == 400
    assert "Scratch repair takes photos up to 1 megapixels" in str(response.json())


def test_the_reason_is_in_the_owners_language(bopb_installed, pro_owner, photo):
    from django.utils import translation

    with translation.override("ko"), pytest.raises(services.SubmitRefused) as refused:
        services.submit(pro_owner, _sized(photo, 2000, 1200), "bopb", {"scratches": True})
    assert "긁힘 복원은 2메가픽셀까지의 사진만 받습니다" in str(refused.value)


def test_the_photo_page_marks_scratch_repair_unavailable_for_a_large_photo(
    bopb_installed, pro_owner, owner_client, photo
):
    url = reverse("photo_detail", args=[photo.pk])
    _sized(photo, 1000, 800)
    small = owner_client.get(url).content.decode()
    option = small[small.index('value="restore_scratches"') :].split(">", 1)[0]
    assert "disabled" not in option and "Scratch repair takes photos" not in small
    _sized(photo, 2000, 1200)
    large = owner_client.get(url).content.decode()
    option = large[large.index('value="restore_scratches"') :].split(">", 1)[0]
    assert "disabled" in option
    assert "Scratch repair takes photos up to 2 megapixels; this one has 2.4" in large
    restore = large[large.index('value="restore"') :].split(">", 1)[0]
    assert "disabled" not in restore  # restoration without scratch repair still runs

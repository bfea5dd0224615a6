"""A model added to the engine's catalogue reaches the product with no other change: the photo
page offers it (under the kind its spec serves, with its option widgets), the API's models/
lists it, a job runs it through the worker's code path, and its result downloads. The model is
a one-convolution network made in tests/enhance/tiny_pipeline.py.

The one other thing a new model needs is its row in billing.plans.MODEL_PLANS (the plans that
include it): pricing is a business decision, so no plan takes new models implicitly, and Django
refuses to start while a catalogued model has no row (billing.checks)."""

import io

import numpy as np
import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.urls import reverse
from knox.models import get_token_model
from PIL import Image
from rest_framework.test import APIClient

from billing import plans
from enhance import tasks
from enhance.engine import catalog
from enhance.models import Job
from tests.enhance import tiny_pipeline

JSON = {"HTTP_ACCEPT": "application/json"}


@pytest.fixture
def tiny_model(monkeypatch):
    catalog.register(tiny_pipeline.SPEC)
    monkeypatch.setitem(plans.MODEL_PLANS, "tiny", ("free", "pro"))
    yield tiny_pipeline.SPEC
    catalog.unregister("tiny")


@pytest.fixture
def tiny_worker(tiny_model, db):
    """A live worker whose capability record says it runs the tiny model too."""
    from tests.workers import publish_worker

    return publish_worker(("realsr", "waifu2x", "tiny"), host="tiny-worker")


@pytest.fixture
def unpriced_model():
    catalog.register(tiny_pipeline.SPEC)
    yield tiny_pipeline.SPEC
    catalog.unregister("tiny")


def _api(user) -> APIClient:
    _instance, token = get_token_model().objects.create(user=user, expiry=None)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def test_the_photo_page_offers_it_under_its_kind_with_its_options(tiny_model, owner_client, photo):
    html = owner_client.get(reverse("photo_detail", args=[photo.pk])).content.decode()
    sr = html[html.index('data-models-for="sr"') : html.index('data-models-for="restore"')]
    assert '<option value="realsr"' in sr and '<option value="tiny"' in sr  # a choice of model under SR
    assert "Tiny test model" in sr and "Doubles the size" in sr
    assert 'id="enhance-sr-tiny-invert" name="invert"' in sr


def test_the_api_lists_it(tiny_model, tiny_worker, owner):
    models = {m["id"]: m for m in _api(owner).get("/api/v1/models/").json()}
    tiny = models["tiny"]
    assert (tiny["label"], tiny["available"], tiny["allowed_by_plan"]) == ("Tiny test model", True, True)
    assert tiny["uses"] == [{"kind": "sr", "label": "SR", "preset": {}}]
    (invert,) = tiny["options"]
    assert (invert["name"], invert["kind"], invert["default"]) == ("invert", "bool", False)
    assert [v["value"] for v in invert["values"]] == [False, True]


def test_a_job_runs_it_through_the_worker_and_the_result_downloads(tiny_model, tiny_worker, owner_client, owner, photo,
                                                                    django_capture_on_commit_callbacks):
    response = owner_client.post(reverse("enhance:submit", args=[photo.pk]),
                                 {"type": "sr", "model": "tiny", "invert": "true"}, **JSON)
    assert response.status_code == 202, response.content
    job = Job.objects.get(pk=response.json()["id"])
    assert (job.model, job.options, job.model_label) == ("tiny", {"invert": True}, "SR (Tiny test model)")

    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.run_next_job(job.pk) == f"job {job.pk}: succeeded"  # the real engine, no double

    download = owner_client.get(reverse("enhance:result_download", args=[job.pk]), {"format": "png"})
    assert download.status_code == 200
    body = b"".join(download.streaming_content) if download.streaming else download.content
    result = np.asarray(Image.open(io.BytesIO(body)).convert("RGB"), dtype=np.int16)
    with photo.original.open("rb") as handle:
        original = np.asarray(Image.open(handle).convert("RGB"), dtype=np.int16)
    assert result.shape == (original.shape[0] * 2, original.shape[1] * 2, 3)
    assert np.abs(result[::2, ::2] - (255 - original)).max() <= 1  # inverted, each pixel a 2x2 block
    assert np.array_equal(result[::2, ::2], result[1::2, 1::2])

    api = _api(owner)
    preparing = api.get(f"/api/v1/jobs/{job.pk}/result/", {"format": "webp"})
    assert preparing.status_code == 202  # WebP is made once, by a worker, on first request
    tasks.prepare_download(job.pk, "webp")
    api_download = api.get(f"/api/v1/jobs/{job.pk}/result/", {"format": "webp"})
    assert api_download.status_code == 200
    webp = b"".join(api_download.streaming_content) if api_download.streaming else api_download.content
    assert Image.open(io.BytesIO(webp)).size == (result.shape[1], result.shape[0])


def test_its_stage_is_read_from_its_spec(tiny_model):
    from enhance.engine_text import stage_label

    assert stage_label("tiny: convolving") == "Convolving"


def test_a_catalogued_model_without_a_plan_row_stops_django_from_starting(unpriced_model):
    with pytest.raises(SystemCheckError) as refused:
        call_command("check")
    assert "billing.E001" in str(refused.value) and "'tiny'" in str(refused.value)
    assert "MODEL_PLANS in billing/plans.py" in str(refused.value)


def test_a_plan_row_naming_an_unknown_plan_is_refused(tiny_model, monkeypatch):
    monkeypatch.setitem(plans.MODEL_PLANS, "tiny", ("gold",))
    with pytest.raises(SystemCheckError, match="billing.E002"):
        call_command("check")


def test_the_shipped_catalogue_passes_the_check():
    call_command("check")  # raises SystemCheckError otherwise


def test_the_admin_filters_jobs_by_every_catalogued_model(tiny_model, client, owner, photo):
    from tests import factories

    staff = factories.make_user("ops@example.com", is_staff=True, is_superuser=True)
    client.force_login(staff)
    realsr = Job.objects.create(owner=owner, photo=photo, model="realsr")
    tiny = Job.objects.create(owner=owner, photo=photo, model="tiny", options={"invert": False})
    page = client.get(reverse("admin:enhance_job_changelist")).content.decode()
    for model_id, label in (("realsr", "RealSR"), ("bopb", "Old photo restoration"), ("tiny", "Tiny test model")):
        assert f'href="?model={model_id}"' in page and label in page  # bopb: no job yet, still offered
    filtered = client.get(reverse("admin:enhance_job_changelist"), {"model": "tiny"}).content.decode()
    assert f"/admin/enhance/job/{tiny.pk}/change/" in filtered
    assert f"/admin/enhance/job/{realsr.pk}/change/" not in filtered

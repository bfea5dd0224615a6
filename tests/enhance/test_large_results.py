"""Results of any size the caps allow download without a 500 and without this process
decoding them: formats are made once by the worker task, the web side serves stored files."""

import io
import os

import pytest
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from enhance import tasks
from enhance.models import Job, JobStatus
from enhance.renditions import DISPLAY_MAX_SIDE, display_name, format_name, trusting_pixels
from enhance.worker.result_store import write_result
from tests import factories


def _finished_with(owner, photo, image) -> Job:
    job = Job.objects.create(owner=owner, photo=photo, model="realsr", options={}, status=JobStatus.RUNNING,
                             attempts=1, started_at=timezone.now())
    stored = write_result(job, image, Image.new("RGB", (1, 1)))
    Job.objects.filter(pk=job.pk).update(status=JobStatus.SUCCEEDED, result=stored.name, result_width=stored.width,
                                         result_height=stored.height, result_bytes=stored.bytes,
                                         finished_at=timezone.now())
    return Job.objects.select_related("photo").get(pk=job.pk)


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def _download(client, job, fmt):
    url = reverse("enhance:result_download", args=[job.pk])
    first = client.get(url, {"format": fmt})
    if first.status_code == 202:
        tasks.prepare_download(job.pk, fmt)
        return client.get(url, {"format": fmt})
    return first


def test_a_result_wider_than_webp_allows_offers_no_webp(owner_client, owner, _isolated_media):
    photo = factories.make_photo(owner, data=factories.image_bytes("WEBP", size=(40, 10)), name="strip.webp")
    job = _finished_with(owner, photo, Image.new("RGB", (20_000, 8), (10, 200, 30)))
    page = owner_client.get(reverse("photo_detail", args=[photo.pk])).content.decode()
    assert "format=jpeg" in page and "format=webp" not in page
    refused = owner_client.get(reverse("enhance:result_download", args=[job.pk]), {"format": "webp"})
    assert refused.status_code == 400 and "16383 pixels a side" in refused.json()["error"].replace(",", "")
    # "original" (a WebP upload) falls back to the stored PNG rather than failing.
    original = owner_client.get(reverse("enhance:result_download", args=[job.pk]), {"format": "original"})
    assert original.status_code == 200 and original["Content-Type"] == "image/png"
    view = owner_client.get(reverse("enhance:result_view", args=[job.pk]))
    assert view.status_code == 200 and view["Content-Type"] == "image/jpeg"
    assert max(Image.open(io.BytesIO(_body(view))).size) == DISPLAY_MAX_SIDE


@pytest.mark.slow
@pytest.mark.skipif(os.environ.get("DATABASE_URL", "").startswith("postgres"),
                    reason="storage and Pillow only: runs in the SQLite pass of `make test`")
def test_a_192_megapixel_result_downloads_in_every_offered_format(owner_client, owner, photo, _isolated_media):
    """A x4 result of a 12 MP photo: past Pillow's decompression-bomb guard and 300 MB+ as RGB."""
    job = _finished_with(owner, photo, Image.new("RGB", (16_000, 12_000), (120, 80, 40)))
    assert (_isolated_media / display_name(job.result.name)).exists()
    detail = owner_client.get(reverse("photo_detail", args=[photo.pk])).content.decode()
    assert all(f"format={key}" in detail for key in ("png", "jpeg", "webp"))
    for fmt, pillow_format in (("png", "PNG"), ("jpeg", "JPEG"), ("webp", "WEBP"), ("original", "JPEG")):
        response = _download(owner_client, job, fmt)
        assert response.status_code == 200, (fmt, response.content[:300])
        assert "attachment" in response["Content-Disposition"]
        stored = _isolated_media / format_name(job.result.name, pillow_format.lower())
        with trusting_pixels(192_000_000), Image.open(stored) as image:
            assert (image.format, image.size) == (pillow_format, (16_000, 12_000))

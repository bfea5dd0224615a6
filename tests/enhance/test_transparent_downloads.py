"""A result with transparency downloaded as JPEG (which has no alpha): the transparent parts
take the background the owner picks (white by default), never the colour the invisible pixels
happen to hold; opaque results keep one JPEG whatever background is asked for."""

import io

import numpy as np
import pytest
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from enhance import tasks
from enhance.models import Job, JobStatus
from enhance.renditions import family, flatten, format_name
from enhance.worker.finish import finish_succeeded
from enhance.worker.result_store import write_result
from tests import factories
from tests.api.conftest import token_client

# Left half fully transparent over bright red (what a bare convert("RGB") would show), right
# half opaque blue.
HIDDEN_RED = (250, 0, 0, 0)
OPAQUE_BLUE = (0, 0, 250, 255)


def _half_transparent(size=(40, 20)) -> Image.Image:
    image = Image.new("RGBA", size, OPAQUE_BLUE)
    image.paste(Image.new("RGBA", (size[0] // 2, size[1]), HIDDEN_RED), (0, 0))
    return image


def _finished_with(owner, photo, image) -> Job:
    job = Job.objects.create(owner=owner, photo=photo, model="realsr", options={}, status=JobStatus.RUNNING,
                             attempts=1, started_at=timezone.now(), worker="w")
    stored = write_result(job, image, Image.new("RGB", (1, 1)))
    assert finish_succeeded(job, "w", stored, seconds=1.0, device="cpu", precision="fp32")
    return Job.objects.select_related("photo").get(pk=job.pk)


def _download(client, job, **query):
    url = reverse("enhance:result_download", args=[job.pk])
    first = client.get(url, query)
    if first.status_code == 202:
        tasks.prepare_download(job.pk, query.get("format", "original"), query.get("background", "white"))
        return client.get(url, query)
    return first


def _pixels(response) -> np.ndarray:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return np.asarray(Image.open(io.BytesIO(body)).convert("RGB")).astype(int)


def test_flatten_places_transparency_on_the_background():
    flat = np.asarray(flatten(_half_transparent(), "black")).astype(int)
    assert flat[:, :20].max() == 0
    assert (flat[:, 20:] == (0, 0, 250)).all()
    half = Image.new("RGBA", (2, 2), (255, 255, 255, 128))
    assert abs(int(np.asarray(flatten(half, "black"))[0, 0, 0]) - 128) <= 1  # edges blend


@pytest.mark.parametrize(("background", "expected"), [("white", 255), ("black", 0), ("grey", 128)])
def test_jpeg_of_a_transparent_result_uses_the_chosen_background(owner_client, owner, photo, _isolated_media,
                                                                 background, expected):
    job = _finished_with(owner, photo, _half_transparent())
    assert job.result_has_alpha
    response = _download(owner_client, job, format="jpeg", background=background)
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    pixels = _pixels(response)
    transparent, opaque = pixels[:, 2:18], pixels[:, 23:]
    assert np.abs(transparent - expected).max() <= 3  # JPEG rounding, not the hidden red
    assert np.abs(opaque - (0, 0, 250)).max() <= 8


def test_every_background_file_is_part_of_the_results_family(owner_client, owner, photo, _isolated_media):
    job = _finished_with(owner, photo, _half_transparent())
    for background in ("white", "black"):
        assert _download(owner_client, job, format="jpeg", background=background).status_code == 200
    on_black = format_name(job.result.name, "jpeg", "black")
    assert on_black in family(job.result.name)
    stored = set(p.name for p in (_isolated_media / "results" / str(owner.pk)).iterdir())
    assert on_black.rsplit("/", 1)[1] in stored


def test_the_display_rendition_of_a_transparent_result_is_on_white(owner_client, owner, photo, _isolated_media):
    job = _finished_with(owner, photo, _half_transparent())
    view = owner_client.get(reverse("enhance:result_view", args=[job.pk]))
    assert np.abs(_pixels(view)[:, 2:18] - 255).max() <= 3


def test_an_opaque_result_ignores_the_background(owner_client, owner, photo, _isolated_media):
    job = _finished_with(owner, photo, Image.new("RGB", (20, 20), (10, 200, 30)))
    assert not job.result_has_alpha
    assert _download(owner_client, job, format="jpeg", background="black").status_code == 200
    assert not (_isolated_media / format_name(job.result.name, "jpeg", "black")).exists()
    assert (_isolated_media / format_name(job.result.name, "jpeg")).exists()


def test_an_unknown_background_is_a_400_with_the_choices(owner_client, owner, photo, _isolated_media):
    job = _finished_with(owner, photo, _half_transparent())
    page = owner_client.get(reverse("enhance:result_download", args=[job.pk]), {"format": "jpeg", "background": "pink"})
    assert page.status_code == 400 and "white, black or grey" in page.json()["error"]
    api = token_client(owner).get(f"/api/v1/jobs/{job.pk}/result/", {"format": "jpeg", "background": "pink"})
    assert api.status_code == 400 and "background" in api.content.decode()


def test_the_photo_page_offers_both_backgrounds_only_for_transparent_results(owner_client, owner, _isolated_media):
    clear = factories.make_photo(owner, data=factories.image_bytes("PNG", size=(20, 10)), name="logo.png")
    job = _finished_with(owner, clear, _half_transparent())
    page = owner_client.get(reverse("photo_detail", args=[clear.pk])).content.decode()
    assert f"{job.pk}/" in page and "background=black" in page and "on black" in page
    opaque = factories.make_photo(owner, name="plain.jpg")
    _finished_with(owner, opaque, Image.new("RGB", (20, 20)))
    assert "background=black" not in owner_client.get(reverse("photo_detail", args=[opaque.pk])).content.decode()

"""The photo page shows display renditions only: it never makes the browser download the full
original or a full result to show a preview. The viewer gets each file's address as data."""

import html as html_lib
import json
import re

import pytest
from django.urls import reverse

from enhance import services, tasks
from enhance.models import Job
from tests import factories

pytestmark = pytest.mark.django_db

IMG_SRC = re.compile(r"<img\b[^>]*\bsrc=\"([^\"]+)\"", re.IGNORECASE)


@pytest.fixture
def big_photo(owner):
    return factories.make_photo(owner, data=factories.image_bytes("JPEG", size=(2000, 1500)), title="Big")


@pytest.fixture
def two_results(engine_double, owner, big_photo):
    jobs = []
    for options in ({"style": "art", "scale": 2, "noise": 1}, {"style": "photo", "scale": 2, "noise": 0}):
        job = services.submit(owner, big_photo, "waifu2x", options)
        tasks.run_next_job()
        jobs.append(Job.objects.get(pk=job.pk))
    assert all(job.status == "succeeded" for job in jobs)
    return jobs


def viewer_data(html: str) -> list[dict]:
    attribute = re.search(r'<div hidden id="viewer-sources" data-sources="([^"]*)"', html)[1]
    return json.loads(html_lib.unescape(attribute))


def page_html(client, photo) -> str:
    response = client.get(reverse("photo_detail", args=[photo.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_no_img_on_the_page_loads_the_full_original_or_a_full_result(owner_client, big_photo, two_results):
    html = page_html(owner_client, big_photo)
    sources = IMG_SRC.findall(html)
    full_files = {reverse("photo_original", args=[big_photo.pk]), reverse("photo_download", args=[big_photo.pk])}
    for job in two_results:
        full_files |= {reverse("enhance:result_full", args=[job.pk]), reverse("enhance:result_download", args=[job.pk])}
    assert sources and not any(src.split("?")[0] in full_files for src in sources), sources
    assert reverse("photo_display", args=[big_photo.pk]) in sources  # the preview and the slider's "before"
    assert reverse("enhance:result_view", args=[two_results[-1].pk]) in sources  # the newest result's rendition


def test_the_viewer_gets_the_original_and_every_result_with_captions(owner_client, big_photo, two_results):
    html = page_html(owner_client, big_photo)
    data = viewer_data(html)
    assert [s["id"] for s in data] == ["original"] + [f"job-{job.pk}" for job in reversed(two_results)]
    original, newest, older = data
    assert original["full"] == reverse("photo_original", args=[big_photo.pk])
    assert (original["width"], original["height"]) == (2000, 1500)
    assert newest["full"] == reverse("enhance:result_full", args=[two_results[-1].pk])
    assert newest["display"] == reverse("enhance:result_view", args=[two_results[-1].pk])
    assert (newest["width"], newest["height"]) == (4000, 3000)
    assert newest["label"] == "2D SR (waifu2x)"
    # Each result is named with its options, in the catalogue's words.
    assert "Style: Photo" in newest["detail"] and "Noise" in newest["detail"]
    assert "Style: Art" in older["detail"]
    assert 'id="photo-viewer"' in html and "data-viewer-open" in html


def test_the_viewer_captions_are_translated(owner_client, owner, big_photo, two_results):
    owner_client.cookies["django_language"] = "ko"
    html = page_html(owner_client, big_photo)
    data = viewer_data(html)
    assert data[0]["label"] == "원본"
    assert "Style" not in data[1]["detail"]
    assert "확대" in html or "맞춤" in html  # the viewer's own controls


def test_the_full_result_is_served_inline_to_its_owner_only(owner_client, other_client, anon_client, two_results):
    url = reverse("enhance:result_full", args=[two_results[0].pk])
    response = owner_client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert not response.get("Content-Disposition", "").startswith("attachment")
    assert other_client.get(url).status_code == 404
    assert anon_client.get(url).status_code == 302

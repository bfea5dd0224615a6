"""End to end on real S3 (moto in server mode) with the web app and the worker cluster as
separate processes with separate environments: upload -> thumbnail -> job -> result ->
downloads in every format -> delete photo -> delete account, and nothing is left in the
bucket or on either process's disk."""

import io
import time

import pytest
import requests
from PIL import Image

from tests.enhance.split_hosts import ApiUser, split_hosts, tiny_png

pytestmark = pytest.mark.slow

EMAIL, PASSWORD = "split@example.com", "correct-horse-battery-9"
WAIFU2X = {"style": "art", "scale": 2, "noise": 0}


@pytest.fixture
def hosts(tmp_path, shared_weights_dir):
    with split_hosts(tmp_path, weights_dir=shared_weights_dir) as split:
        yield split


def _image(response: requests.Response) -> Image.Image:
    assert response.status_code == 200, (response.status_code, response.text[:300])
    return Image.open(io.BytesIO(response.content))


def _download(api: requests.Session, url: str, fmt: str) -> requests.Response:
    """The API answers 202 + Retry-After while a worker makes a format; then a redirect to S3."""
    deadline = time.monotonic() + 120
    seen_preparing = False
    while True:
        response = api.get(url, params={"format": fmt}, timeout=30)
        if response.status_code != 202:
            response.seen_preparing = seen_preparing
            return response
        assert response.json()["status"] == "preparing"
        seen_preparing = True
        assert time.monotonic() < deadline, f"{fmt} was never prepared"
        time.sleep(float(response.headers["Retry-After"]))


def test_upload_job_downloads_and_deletions_on_s3_with_separate_hosts(hosts):
    user = ApiUser.register(hosts, EMAIL, PASSWORD)
    api, api_root = user.session, user.api_root

    # Upload: the original and its thumbnail are objects in the bucket.
    photos = [user.upload(tiny_png(24, shade), f"photo {index}") for index, shade in enumerate((40, 160))]
    first, second = photos
    thumbnail = api.get(first["thumbnail_url"], timeout=30)
    assert thumbnail.history and thumbnail.history[0].status_code == 302  # a presigned S3 URL, not Django
    assert _image(thumbnail).format == "JPEG"
    assert _image(api.get(first["original_url"], timeout=30)).size == (24, 24)

    # A waifu2x job on each photo, run by the worker process (the only one with weights).
    jobs = []
    for photo in photos:
        submitted = user.submit(photo, "waifu2x", WAIFU2X)
        assert submitted.status_code == 202, submitted.text
        jobs.append(submitted.json())
    done = [user.wait_finished(job["url"]) for job in jobs]
    assert [(job["result_width"], job["result_height"]) for job in done] == [(48, 48), (48, 48)]
    assert done[0]["download_formats"] == ["png", "jpeg", "webp"]

    # Every offered format; all but PNG are made by the worker on first request.
    expected = {"original": "PNG", "png": "PNG", "jpeg": "JPEG", "webp": "WEBP"}
    for fmt, pillow_format in expected.items():
        response = _download(api, done[0]["result_url"], fmt)
        image = _image(response)
        assert (image.format, image.size) == (pillow_format, (48, 48)), fmt
        assert response.history[0].status_code == 302 and str(hosts.s3_port) in response.url
        assert response.seen_preparing == (fmt in ("jpeg", "webp")), fmt
    assert _image(_download(api, done[1]["result_url"], "jpeg")).format == "JPEG"

    # The web page's before/after image is the display rendition the worker wrote.
    web = user.web_session()
    view = web.get(f"{hosts.base_url}/jobs/{done[0]['id']}/result/view/", timeout=30)
    assert _image(view).format == "JPEG" and ".view.jpg" in view.url

    keys = hosts.bucket_keys()
    first_keys = [key for key in keys if f"/job{done[0]['id']}-" in key]
    assert len(first_keys) == 4  # result, display rendition, JPEG, WebP
    assert len(keys) == 2 * 2 + 4 + 3  # 2 originals + 2 thumbnails; results with their renditions

    # Deleting a photo removes its original, thumbnail, result and every rendition.
    assert api.delete(f"{api_root}photos/{first['id']}/", timeout=30).status_code == 204
    left = hosts.bucket_keys()
    assert not set(first_keys) & set(left)
    assert len(left) == 2 + 3

    # Deleting the account removes everything else.
    deleted = web.post(hosts.base_url + "/settings/delete-account/", timeout=30, allow_redirects=False,
                       data={"password": PASSWORD, "confirm": "on", "csrfmiddlewaretoken": web.cookies["csrftoken"]})
    assert deleted.status_code == 302, deleted.text[:500]
    assert hosts.bucket_keys() == []
    assert hosts.query("SELECT count(*) FROM enhance_job")[0][0] == 0
    assert hosts.local_files() == []

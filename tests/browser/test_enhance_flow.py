"""The enhancement flow in a real browser against a real web server and worker cluster:
upload -> 2D SR -> live progress -> result with the before/after slider -> download."""

import io

import pytest
from PIL import Image

from tests.browser.fixtures import login
from tests.enhance.stack import Stack

pytestmark = [pytest.mark.slow, pytest.mark.browser]


@pytest.fixture
def stack(tmp_path, shared_weights_dir):
    running = Stack(tmp_path / "stack", database="sqlite", weights_dir=shared_weights_dir)
    try:
        running.create(photos=0)
        running.start_web()
        running.start_cluster(workers=1)
        yield running
    finally:
        running.stop()


def test_upload_run_2d_sr_watch_progress_compare_and_download(page, stack, tmp_path, artifacts_dir):
    picture = tmp_path / "drawing.png"
    Image.new("RGB", (24, 24), (30, 140, 220)).save(picture)
    login(page, stack, "stack@example.com")

    page.set_input_files("#upload-input", str(picture))
    page.wait_for_selector("#upload-list >> text=Uploaded", timeout=30_000)
    (photo_id,) = stack.query("SELECT id FROM albums_photo")[0]
    page.goto(f"{stack.url}/photos/{photo_id}/")

    polls = []
    page.on("response", lambda r: polls.append(r.status) if "/jobs/status.json" in r.url else None)
    assert page.evaluate("localStorage.getItem('restore.notifications-asked')") is None
    run = page.locator("[data-run]")
    assert run.is_disabled()  # "None (show the original)" is selected: nothing to run
    page.select_option("#enhance-type", "2dsr")
    page.select_option("#enhance-2dsr-waifu2x-style", "art")
    page.select_option("#enhance-2dsr-waifu2x-scale", "2")
    page.select_option("#enhance-2dsr-waifu2x-noise", "1")
    # Impossible combinations are disabled with the reason (waifu2x has no 1x photo network, and
    # 1x without denoising does nothing); the rules come from the model's spec.
    photo_style = page.locator('#enhance-2dsr-waifu2x-style option[value="photo"]')
    no_noise = page.locator('#enhance-2dsr-waifu2x-noise option[value="-1"]')
    assert not photo_style.is_disabled() and not no_noise.is_disabled()
    page.select_option("#enhance-2dsr-waifu2x-scale", "1")
    assert photo_style.is_disabled() and no_noise.is_disabled()
    note = page.locator('[data-model-options="waifu2x"] [data-impossible-note]').inner_text()
    assert "no 1x model" in note and "only denoises" in note
    page.select_option("#enhance-2dsr-waifu2x-scale", "2")
    assert not photo_style.is_disabled()
    run.click()

    page.wait_for_selector("[data-job-id]", timeout=15_000)
    page.wait_for_selector("[data-before-after]", timeout=180_000)
    assert polls and all(status == 200 for status in polls)
    # The browser is asked for notification permission only after the first Run.
    assert page.evaluate("localStorage.getItem('restore.notifications-asked')") == "1"
    assert page.locator("[data-job-id]").first.get_attribute("data-status") == "succeeded"

    slider = page.locator("[data-ba-range]")
    slider.focus()
    for _ in range(10):
        page.keyboard.press("ArrowLeft")
    assert slider.input_value() == "40"
    assert "40%" in page.locator(".ba-after").evaluate("el => el.style.clipPath")
    page.screenshot(path=str(artifacts_dir / "enhance-before-after.png"), full_page=True)

    with page.expect_download() as download_info:
        page.locator("[data-download]").first.click()
    download = download_info.value
    assert download.suggested_filename.endswith(".png")  # the original was a PNG
    result = Image.open(io.BytesIO(download.path().read_bytes()))
    assert result.size == (48, 48)

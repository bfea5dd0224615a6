"""The full-screen viewer in a real browser: zoom (buttons, wheel, keys, 1:1, fit), pan (drag,
arrow keys), the full-size file loaded only once zoomed past the display rendition, any two of
the original and the results compared (slider inside the zoomed view, side by side in step),
by keyboard alone and on a phone. The results are made by the real models."""

import io

import pytest
from PIL import Image, ImageDraw

from enhance import services, tasks
from enhance.models import Job
from tests.browser.fixtures import login, wait_until
from tests.factories import image_bytes, make_photo, make_user

pytestmark = [pytest.mark.slow, pytest.mark.browser]

FRAMES = "[...document.querySelectorAll('[data-viewer-frame]')]"
LEFT_FRAME = "#photo-viewer [data-viewer-pane=left] [data-viewer-frame]"
LEFT_IMAGE = "#photo-viewer [data-viewer-pane=left] img"
PANE_TOPS = "[...document.querySelectorAll('[data-viewer-pane]')].map(p => p.getBoundingClientRect().y)"


def drawing_bytes(size=(120, 90)) -> bytes:
    """A small line drawing saved as a rough JPEG: what 2D SR and its denoising are for."""
    image = Image.new("RGB", size, (250, 246, 236))
    draw = ImageDraw.Draw(image)
    width, height = size
    draw.ellipse((20, 15, 20 + height - 40, height - 25), outline=(40, 40, 90), width=3, fill=(240, 180, 120))
    draw.rectangle((width // 2, 20, width - 15, height // 2), outline=(20, 90, 40), width=2, fill=(120, 200, 150))
    for x in range(0, width, 12):
        draw.line((x, height - 20, x + 30, height - 5), fill=(200, 60, 60), width=2)
    draw.text((width // 2, height // 2 + 10), "Restore", fill=(30, 30, 30))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=35)
    return out.getvalue()


def run_job(owner, photo, model: str, options: dict) -> Job:
    job = services.submit(owner, photo, model, options)
    tasks.run_next_job(job.pk)
    job = Job.objects.get(pk=job.pk)
    assert job.status == "succeeded", job.error
    return job


@pytest.fixture
def owner(page, live_server, transactional_db):
    user = make_user("viewer@example.com")
    login(page, live_server, user.email)
    return user


@pytest.fixture
def big_photo(owner):
    """Larger than its 1600 px display rendition: the viewer must fetch the original for 1:1."""
    return make_photo(owner, data=image_bytes("JPEG", size=(2400, 1800)), title="Big")


@pytest.fixture
def compared(owner, shared_weights_dir):
    """A drawing with two real results: waifu2x (older) and RealSR x4 (newest)."""
    photo = make_photo(owner, data=drawing_bytes(), name="drawing.jpg", title="Drawing")
    older = run_job(owner, photo, "waifu2x", {"style": "art", "scale": 2, "noise": 2})
    newest = run_job(owner, photo, "realsr", {})
    return photo, older, newest


def frame_state(page, selector=LEFT_FRAME) -> dict:
    return page.eval_on_selector(selector, "f => ({transform: f.style.transform, width: parseFloat(f.style.width)})")


def open_viewer(page, live_server, photo, button="#open-viewer"):
    page.goto(f"{live_server.url}/photos/{photo.pk}/")
    page.click(button)
    wait_until(page, "document.getElementById('photo-viewer').open")
    wait_until(page, f"document.querySelector('{LEFT_IMAGE}').naturalWidth > 0")


def test_zoom_pan_and_one_to_one_loads_the_full_original(page, live_server, big_photo, artifacts_dir):
    page.goto(f"{live_server.url}/photos/{big_photo.pk}/")
    preview = page.locator("#photo-image")
    assert preview.get_attribute("src") == f"/photos/{big_photo.pk}/display/"
    wait_until(page, "document.getElementById('photo-image').naturalWidth === 1600")

    full_requests = []
    page.on("request", lambda r: full_requests.append(r.url) if r.url.endswith("/original/") else None)
    open_viewer(page, live_server, big_photo)
    image = page.locator(LEFT_IMAGE)
    assert image.get_attribute("src").endswith("/display/")
    fitted = frame_state(page)
    assert page.locator("[data-viewer-level]").inner_text().endswith("%")
    assert full_requests == []  # fitted to the screen: the display rendition is enough

    page.click("[data-viewer-zoom=in]")
    zoomed = frame_state(page)
    assert zoomed["width"] == pytest.approx(fitted["width"] * 1.25, rel=0.01)

    box = page.locator("[data-viewer-stage]").bounding_box()
    page.mouse.move(box["x"] + box["width"] / 3, box["y"] + box["height"] / 3)
    page.mouse.wheel(0, -300)
    wait_until(page, f"parseFloat(document.querySelector('{LEFT_FRAME}').style.width) > {zoomed['width'] + 1}")
    wheeled = frame_state(page)
    assert wheeled["transform"] != zoomed["transform"]  # anchored at the pointer, not the centre

    page.focus("[data-viewer-stage]")
    page.keyboard.press("ArrowRight")
    keyed = frame_state(page)
    assert keyed["transform"] != wheeled["transform"] and keyed["width"] == wheeled["width"]

    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] / 2 + 80, box["y"] + box["height"] / 2 + 40, steps=4)
    page.mouse.up()
    dragged = frame_state(page)
    assert dragged["transform"] != keyed["transform"]

    # 1:1 — one pixel of the 2400 px original per device pixel: the full file replaces the rendition.
    page.click("[data-viewer-zoom=actual]")
    assert frame_state(page)["width"] == pytest.approx(2400, abs=0.5)
    assert page.locator("[data-viewer-level]").inner_text() == "100%"
    wait_until(page, f"document.querySelector('{LEFT_IMAGE}').naturalWidth === 2400")
    assert image.get_attribute("src") == f"/photos/{big_photo.pk}/original/"
    assert len(full_requests) >= 1
    page.click("[data-viewer-zoom=in]")
    assert "viewer-pixelated" in image.get_attribute("class")  # above 1:1, pixels are squares

    page.click("[data-viewer-zoom=fit]")
    assert frame_state(page)["width"] == pytest.approx(fitted["width"], abs=0.5)
    page.keyboard.press("Escape")
    wait_until(page, "!document.getElementById('photo-viewer').open")
    assert page.evaluate("document.activeElement.id") == "open-viewer"


def test_compare_the_original_with_a_chosen_older_result_and_side_by_side_in_step(
        page, live_server, compared, artifacts_dir):
    photo, older, newest = compared
    page.goto(f"{live_server.url}/photos/{photo.pk}/")
    open_viewer(page, live_server, photo, button="#compare-in-viewer")
    captions = page.locator("#photo-viewer [data-viewer-caption]")
    # The newest success is the default; captions name the model, its options and the size.
    assert captions.nth(0).inner_text() == "Original · 120 × 90"
    assert captions.nth(1).inner_text() == "SR (RealSR) · 480 × 360"
    assert page.get_attribute("[data-viewer-mode-button=slider]", "aria-pressed") == "true"

    page.select_option("#viewer-right", f"job-{older.pk}")
    right = captions.nth(1).inner_text()
    assert right.startswith("2D SR (waifu2x) · ") and "Style: Art" in right and "Noise" in right
    assert right.endswith("240 × 180")
    wait_until(page, "document.querySelector('#photo-viewer [data-viewer-pane=right] img').naturalWidth === 240")

    # The slider lives inside the zoomed view: zoom, then move the split by keyboard.
    page.click("[data-viewer-zoom=actual]")  # 1:1 of the sharper image shown (the 240 px result)
    assert frame_state(page)["width"] == pytest.approx(240, abs=0.5)
    page.focus("#viewer-split")
    for _ in range(10):
        page.keyboard.press("ArrowLeft")
    clip = page.eval_on_selector("#photo-viewer [data-viewer-pane=right] [data-viewer-clip]", "p => p.style.clipPath")
    assert clip == "inset(0px 0px 0px 40%)"
    page.click("[data-viewer-zoom=fit]")
    page.screenshot(path=str(artifacts_dir / "viewer-compare.png"))

    # Any source on either side: a result on the left too.
    page.select_option("#viewer-left", f"job-{newest.pk}")
    assert captions.nth(0).inner_text() == "SR (RealSR) · 480 × 360"

    page.click("[data-viewer-mode-button=side]")
    assert page.get_attribute("[data-viewer-mode-button=side]", "aria-pressed") == "true"
    page.click("[data-viewer-zoom=in]")
    page.click("[data-viewer-zoom=in]")
    before = page.evaluate(f"{FRAMES}.map(f => f.style.transform)")
    page.focus("[data-viewer-stage]")
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowUp")
    box = page.locator("[data-viewer-pane=right]").bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] / 2 - 60, box["y"] + box["height"] / 2 - 30, steps=3)
    page.mouse.up()
    after = page.evaluate(f"{FRAMES}.map(f => [f.style.transform, f.style.width])")
    assert after[0] == after[1]  # both panes: the same zoom and the same position
    assert after[0][0] != before[0]
    panes = page.evaluate("[...document.querySelectorAll('[data-viewer-pane]')].map(p => p.getBoundingClientRect().x)")
    assert panes[1] > panes[0]  # side by side on a wide screen
    page.screenshot(path=str(artifacts_dir / "viewer-side-by-side.png"))


def test_keyboard_only(page, live_server, compared):
    photo = compared[0]
    page.goto(f"{live_server.url}/photos/{photo.pk}/")
    for _ in range(60):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "open-viewer":
            break
    else:
        raise AssertionError("the View full screen button is not reachable with Tab")
    page.keyboard.press("Enter")
    wait_until(page, "document.getElementById('photo-viewer').open")
    assert page.evaluate("document.activeElement.matches('[data-viewer-stage]')")

    width = frame_state(page)["width"]
    page.keyboard.press("+")
    assert frame_state(page)["width"] > width
    transform = frame_state(page)["transform"]
    page.keyboard.press("ArrowDown")
    assert frame_state(page)["transform"] != transform
    page.keyboard.press("1")
    assert frame_state(page)["width"] == pytest.approx(480, abs=0.5)  # 1:1 of the RealSR x4 result

    # Every control is reached by Tab and has a name a screen reader reads (its visible text, or
    # hidden text beside an icon); Tab stays inside the open viewer.
    names = []
    for _ in range(30):
        page.keyboard.press("Tab")
        info = page.evaluate("""() => { const el = document.activeElement;
            const label = el.labels && el.labels[0] ? el.labels[0].textContent : '';
            return {inside: !!el.closest('#photo-viewer'), name: (el.getAttribute('aria-label') || label
                    || el.textContent || '').trim(), tag: el.tagName}; }""")
        assert info["inside"], info
        assert info["name"], info
        names.append(info["name"])
    for expected in ("Zoom out", "Zoom in", "1:1", "Fit", "Single", "Slider", "Side by side", "Close"):
        assert any(expected in name for name in names), (expected, names)

    # Side by side chosen by keyboard: focus its button and press Enter.
    while page.evaluate("document.activeElement.textContent.trim()") != "Side by side":
        page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    assert page.get_attribute("[data-viewer-mode-button=side]", "aria-pressed") == "true"
    page.keyboard.press("Escape")
    wait_until(page, "!document.getElementById('photo-viewer').open")
    assert page.evaluate("document.activeElement.id") == "open-viewer"


def test_on_a_phone(browser, live_server, transactional_db, shared_weights_dir, artifacts_dir):
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=3, is_mobile=True,
                                  has_touch=True, locale="en-US")
    phone = context.new_page()
    try:
        user = make_user("phone.viewer@example.com")
        login(phone, live_server, user.email)
        photo = make_photo(user, data=drawing_bytes(), name="drawing.jpg", title="Drawing")
        run_job(user, photo, "waifu2x", {"style": "art", "scale": 2, "noise": 2})
        phone.goto(f"{live_server.url}/photos/{photo.pk}/")
        phone.tap("#compare-in-viewer")
        wait_until(phone, "document.getElementById('photo-viewer').open")
        wait_until(phone, f"document.querySelector('{LEFT_IMAGE}').naturalWidth > 0")
        # Everything fits the width: no sideways scrolling inside the viewer.
        assert phone.evaluate("document.getElementById('photo-viewer').scrollWidth") <= 390
        for selector in ("[data-viewer-zoom=in]", "[data-viewer-zoom=actual]", "[data-viewer-close]", "#viewer-right"):
            box = phone.locator(selector).bounding_box()
            assert box and box["x"] >= 0 and box["x"] + box["width"] <= 390, selector

        # 1:1 on a 3x screen: the 240 px result takes 240 device pixels, 80 CSS pixels.
        phone.tap("[data-viewer-zoom=actual]")
        assert frame_state(phone)["width"] == pytest.approx(240 / 3, abs=0.5)

        # A two-finger pinch zooms in around the fingers.
        phone.tap("[data-viewer-zoom=fit]")
        fitted = frame_state(phone)["width"]
        phone.evaluate("""() => {
            const stage = document.querySelector('[data-viewer-stage]');
            const r = stage.getBoundingClientRect(), cx = r.x + r.width / 2, cy = r.y + r.height / 2;
            const fire = (type, id, x) => stage.dispatchEvent(new PointerEvent(type, {pointerId: id,
                pointerType: 'touch', isPrimary: id === 1, clientX: x, clientY: cy, bubbles: true}));
            fire('pointerdown', 1, cx - 20); fire('pointerdown', 2, cx + 20);
            for (let step = 1; step <= 5; step++) { fire('pointermove', 1, cx - 20 - step * 6);
                                                    fire('pointermove', 2, cx + 20 + step * 6); }
            fire('pointerup', 1, cx - 50); fire('pointerup', 2, cx + 50);
        }""")
        assert frame_state(phone)["width"] == pytest.approx(fitted * 100 / 40, rel=0.05)
        phone.tap("[data-viewer-zoom=fit]")
        phone.screenshot(path=str(artifacts_dir / "viewer-phone.png"))

        # Side by side stacks the panes on an upright phone, still in step.
        phone.tap("[data-viewer-mode-button=side]")
        tops = phone.evaluate(PANE_TOPS)
        assert tops[1] > tops[0]
        transforms = phone.evaluate(f"{FRAMES}.map(f => f.style.transform)")
        assert transforms[0] == transforms[1]
        phone.tap("[data-viewer-close]")
        wait_until(phone, "!document.getElementById('photo-viewer').open")
    finally:
        context.close()

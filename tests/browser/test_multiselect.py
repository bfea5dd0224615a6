"""Selecting many photos in a grid and acting on them, in a real browser: click, Shift-click,
Ctrl-click, Select all, a long press on a phone; move (the bar and drag and drop onto an album),
run one enhancement, delete with a confirmation, and download a zip whose entries are read back."""

import io
import zipfile
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from albums.models import Photo
from enhance.models import Job, JobStatus
from tests import factories
from tests.browser.fixtures import login, wait_until
from tests.factories import make_user

pytestmark = [pytest.mark.slow, pytest.mark.browser]

SHADES = [(200, 120, 40), (40, 160, 90), (60, 90, 200), (190, 60, 140), (120, 120, 30), (20, 140, 180)]


def photos_of(user, album, titles):
    """Photos uploaded oldest first, so the grid (newest first) shows them in reverse."""
    made = [factories.make_photo(user, album, title=title, data=factories.image_bytes(color=SHADES[n % 6]))
            for n, title in enumerate(titles)]
    return list(reversed(made))  # grid order


def tile(page, photo):
    return page.locator(f'.photo-tile[data-photo-id="{photo.pk}"]')


def selected(page) -> list[int]:
    return page.evaluate(
        "[...document.querySelectorAll('[data-photo-select]:checked')].map(el => Number(el.value))")


def count_text(page) -> str:
    return page.locator("#selection-count").inner_text()


def test_click_shift_click_ctrl_click_select_all_and_clear(page, live_server, signed_in):
    album = factories.make_album(signed_in, "Holiday")
    grid = photos_of(signed_in, album, [f"Photo {n}" for n in range(6)])
    page.goto(f"{live_server.url}/")
    assert page.locator("#selection-bar").is_hidden()

    tile(page, grid[0]).click(modifiers=["Control"])
    assert page.url == f"{live_server.url}/"  # selected, not opened
    assert selected(page) == [grid[0].pk] and count_text(page) == "1 photo selected"
    assert page.locator("#selection-bar").is_visible()

    tile(page, grid[3]).click(modifiers=["Shift"])
    assert sorted(selected(page)) == sorted(p.pk for p in grid[:4])
    tile(page, grid[1]).click(modifiers=["Control"])
    assert sorted(selected(page)) == sorted([grid[0].pk, grid[2].pk, grid[3].pk])
    tile(page, grid[5]).click()  # in selection mode a plain click selects too
    assert count_text(page) == "4 photos selected"
    assert page.url == f"{live_server.url}/"

    page.get_by_role("button", name="Select all").click()
    assert len(selected(page)) == 6
    page.get_by_role("button", name="Clear").click()
    assert selected(page) == [] and page.locator("#selection-bar").is_hidden()

    # Without a mouse: "Select", then Space on a photo's labelled checkbox; Escape clears.
    page.get_by_role("button", name="Select", exact=True).click()
    assert page.locator("#select-mode").get_attribute("aria-pressed") == "true"
    assert page.evaluate("document.activeElement.id") == f"select-photo-{grid[0].pk}"
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.press("Space")
    assert selected(page) == [grid[1].pk]
    assert page.get_by_role("checkbox", name=f"Select {grid[1].title}", exact=True).is_checked()
    page.keyboard.press("Escape")
    assert selected(page) == []
    # Out of selection mode a click opens the photo again.
    tile(page, grid[2]).click()
    page.wait_for_url(f"**/photos/{grid[2].pk}/")


def test_move_with_the_bar_and_by_dragging_onto_an_album(page, live_server, signed_in):
    home = factories.make_album(signed_in, "Inbox")
    target = factories.make_album(signed_in, "Keepers")
    grid = photos_of(signed_in, home, ["A", "B", "C", "D"])
    page.goto(f"{live_server.url}/albums/{home.pk}/")

    page.get_by_role("checkbox", name="Select A").check()
    page.get_by_role("checkbox", name="Select B").check()
    page.get_by_label("Move to album").select_option(label="Keepers")
    page.get_by_role("button", name="Move", exact=True).click()
    page.wait_for_selector("text=2 photos moved to “Keepers”.")
    assert set(target.photos.values_list("title", flat=True)) == {"A", "B"}

    # One photo dragged onto the sidebar's album.
    photo_c = next(p for p in grid if p.title == "C")
    page.drag_and_drop(f'.photo-tile[data-photo-id="{photo_c.pk}"]', f'[data-drop-album="{target.pk}"]')
    page.wait_for_selector("text=1 photo moved to “Keepers”.")
    assert set(target.photos.values_list("title", flat=True)) == {"A", "B", "C"}
    assert page.locator(f'[data-count-album="{target.pk}"]').inner_text() == "3"

    # Dragging a selected photo takes the whole selection along.
    page.goto(f"{live_server.url}/albums/{target.pk}/")
    page.get_by_role("checkbox", name="Select A").check()
    page.get_by_role("checkbox", name="Select C").check()
    photo_a = Photo.objects.get(title="A")
    page.drag_and_drop(f'.photo-tile[data-photo-id="{photo_a.pk}"]', f'[data-drop-album="{home.pk}"]')
    page.wait_for_selector("text=2 photos moved to “Inbox”.")
    assert set(home.photos.values_list("title", flat=True)) == {"A", "C", "D"}


def test_run_one_enhancement_on_the_selection_with_one_summary(page, live_server, signed_in):
    album = factories.make_album(signed_in, "Scans")
    grid = photos_of(signed_in, album, ["Small 1", "Large", "Small 2"])
    Photo.objects.filter(title="Large").update(width=2100, height=2000)  # 4.2 MP: above the Free plan
    page.goto(f"{live_server.url}/albums/{album.pk}/")
    page.get_by_role("button", name="Select", exact=True).click()
    page.get_by_role("button", name="Select all").click()
    page.get_by_role("button", name="Run enhancement…").click()
    dialog = page.locator("#bulk-run-dialog")
    assert dialog.is_visible() and "3 photos selected" in dialog.inner_text()
    page.select_option("#batch-type", "sr")
    dialog.get_by_role("button", name="Run", exact=True).click()
    page.wait_for_selector("text=2 started, 1 refused: 1 above the Free plan's 4 MP")
    assert sorted(Job.objects.values_list("photo__title", flat=True)) == ["Small 1", "Small 2"]
    # Thumbnails now say a job is running.
    assert page.locator('[data-badge="running"]').count() == 2
    assert tile(page, grid[1]).locator("[data-badge]").count() == 0


def test_delete_asks_first_and_cancel_keeps_everything(page, live_server, signed_in):
    album = factories.make_album(signed_in, "Old")
    grid = photos_of(signed_in, album, ["Keep", "Bin 1", "Bin 2"])  # shown newest first: Bin 2, Bin 1, Keep
    page.goto(f"{live_server.url}/albums/{album.pk}/")
    tile(page, grid[0]).click(modifiers=["Control"])
    tile(page, grid[1]).click(modifiers=["Control"])
    page.get_by_role("button", name="Delete…").click()
    dialog = page.locator("#bulk-delete-dialog")
    assert "2 photos selected" in dialog.inner_text()
    dialog.get_by_role("button", name="Cancel").click()
    assert dialog.is_hidden() and Photo.objects.count() == 3

    page.get_by_role("button", name="Delete…").click()
    dialog.get_by_role("button", name="Delete photos").click()
    page.wait_for_selector("text=2 photos deleted.")
    assert list(Photo.objects.values_list("title", flat=True)) == ["Keep"]
    assert page.locator(".photo-tile").count() == 1


def test_download_originals_and_results_as_zips(page, live_server, signed_in, tmp_path):
    album = factories.make_album(signed_in, "Family")
    grid = photos_of(signed_in, album, ["Dad", "Dad", "Mum"])  # shown newest first: Mum, Dad, Dad
    result = b"\x89PNG\r\n\x1a\n not really, but the bytes must come back the same"
    job = Job.objects.create(owner=signed_in, photo=grid[0], model="realsr", status=JobStatus.SUCCEEDED,
                             result_bytes=len(result))
    job.result.name = default_storage.save("results/mum.png", ContentFile(result))
    job.save()
    page.goto(f"{live_server.url}/albums/{album.pk}/")
    page.get_by_role("button", name="Select", exact=True).click()
    page.get_by_role("button", name="Select all").click()

    with page.expect_download() as info:
        page.get_by_role("button", name="Download originals").click()
    saved = tmp_path / "originals.zip"
    info.value.save_as(saved)
    assert info.value.suggested_filename == "restore-originals.zip"
    with zipfile.ZipFile(saved) as archive:
        assert sorted(archive.namelist()) == ["Dad (2).jpg", "Dad.jpg", "Mum.jpg"]
        for photo in grid:
            with photo.original.open("rb") as handle:
                assert handle.read() in {archive.read(name) for name in archive.namelist()}

    with page.expect_download() as info:
        page.get_by_role("button", name="Download results").click()
    with zipfile.ZipFile(io.BytesIO(Path(info.value.path()).read_bytes())) as archive:
        assert archive.namelist() == [f"Mum-realsr-{job.pk}.png"]
        assert archive.read(archive.namelist()[0]) == result
    assert len(selected(page)) == 3  # a download leaves the selection as it was


def long_press(page, locator, milliseconds=800):
    """A finger held on the element: real touch events through the DevTools protocol."""
    box = locator.bounding_box()
    point = {"x": box["x"] + box["width"] / 2, "y": box["y"] + box["height"] / 2}
    session = page.context.new_cdp_session(page)
    session.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [point]})
    page.wait_for_timeout(milliseconds)
    session.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    session.detach()


def test_phone_long_press_starts_a_selection_and_taps_add_to_it(browser, live_server, transactional_db):
    user = make_user("phone@example.com")
    album = factories.make_album(user, "Phone")
    grid = photos_of(user, album, ["One", "Two", "Three"])
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                                  device_scale_factor=2, locale="en-US")
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        login(page, live_server, user.email)
        page.goto(f"{live_server.url}/albums/{album.pk}/")
        long_press(page, tile(page, grid[1]))
        page.wait_for_timeout(300)
        assert page.url.endswith(f"/albums/{album.pk}/")  # the long press did not open the photo
        assert selected(page) == [grid[1].pk]
        tile(page, grid[0]).tap()
        assert sorted(selected(page)) == sorted([grid[0].pk, grid[1].pk])
        assert page.locator("#selection-bar").is_visible() and count_text(page) == "2 photos selected"
        tile(page, grid[1]).tap()
        assert selected(page) == [grid[0].pk]
    finally:
        context.close()


def test_selection_bar_screenshot(page, live_server, signed_in, artifacts_dir):
    """The view of docs/screenshots/selection-bar.png (linked from the README), written to the
    test artifacts: copy it over when the bar changes; a test run never edits docs/."""
    album = factories.make_album(signed_in, "Grandparents 1968")
    factories.make_album(signed_in, "Restored")
    grid = photos_of(signed_in, album, ["Wedding", "Porch", "Harbour", "Garden", "Beach", "Picnic"])
    Job.objects.create(owner=signed_in, photo=grid[0], model="realsr", status=JobStatus.RUNNING)
    page.set_viewport_size({"width": 1000, "height": 620})
    page.goto(f"{live_server.url}/albums/{album.pk}/")
    for photo in grid[1:4]:
        tile(page, photo).click(modifiers=["Control"])
    wait_until(page, "[...document.querySelectorAll('#photo-grid img')].every(i => i.complete && i.naturalWidth)")
    target = artifacts_dir / "selection-bar.png"
    page.screenshot(path=str(target))
    assert target.stat().st_size < 200_000

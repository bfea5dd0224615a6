"""The whole library in a real browser: sign up, add an album, drop two photos, see them, open one."""

import base64

import pytest

from albums.models import Album, Photo
from tests.browser.fixtures import signup, wait_until
from tests.factories import image_bytes

pytestmark = [pytest.mark.slow, pytest.mark.browser]

DROP_FILES_JS = """
(files) => {
    const transfer = new DataTransfer();
    for (const file of files) {
        const bytes = Uint8Array.from(atob(file.data), (c) => c.charCodeAt(0));
        transfer.items.add(new File([bytes], file.name, { type: file.type }));
    }
    return transfer;
}
"""


def drop_files(page, selector, files):
    """Drop files on an element the way a person dragging them from the desktop does."""
    payload = [{"name": name, "type": kind, "data": base64.b64encode(data).decode()} for name, kind, data in files]
    transfer = page.evaluate_handle(DROP_FILES_JS, payload)
    page.dispatch_event(selector, "dragenter", {"dataTransfer": transfer})
    page.dispatch_event(selector, "drop", {"dataTransfer": transfer})


def image_loaded(page, selector) -> bool:
    return page.eval_on_selector(selector, "img => img.complete && img.naturalWidth > 0")


def test_sign_up_add_album_drop_two_photos_and_open_one(page, live_server, transactional_db, artifacts_dir):
    signup(page, live_server, "new.user@example.com")
    assert page.locator("#library-title").inner_text() == "All photos"

    page.click("#add-album")
    page.fill("input[name=name]", "Grandparents 1968")
    page.click("main form button[type=submit]")
    page.wait_for_url("**/albums/*/")
    assert page.locator("#library-title").inner_text() == "Grandparents 1968"

    drop_files(
        page,
        "#upload-zone",
        [
            ("wedding.jpg", "image/jpeg", image_bytes("JPEG", size=(900, 600), color=(180, 140, 90))),
            ("portrait.png", "image/png", image_bytes("PNG", size=(400, 640), color=(60, 90, 160))),
            ("notes.jpg", "image/jpeg", b"just some text, not a photo"),
        ],
    )
    wait_until(page, "document.querySelectorAll('#upload-list .upload-done').length === 2")
    wait_until(page, "document.querySelectorAll('#upload-list .upload-failed').length === 1")
    tiles = page.locator("#photo-grid .photo-tile img")
    assert tiles.count() == 2
    wait_until(page,
        "[...document.querySelectorAll('#photo-grid img')].every(img => img.complete && img.naturalWidth > 0)"
    )
    error = page.locator("#upload-list .upload-failed .upload-error").inner_text()
    assert "not a supported image" in error
    album = Album.objects.get(name="Grandparents 1968")
    assert page.url == f"{live_server.url}/albums/{album.pk}/"  # no navigation: the same page, updated in place
    assert page.locator(f"[data-count-album='{album.pk}']").inner_text() == "2"
    page.screenshot(path=str(artifacts_dir / "library-after-drop.png"), full_page=True)

    assert sorted(Photo.objects.filter(album=album).values_list("title", flat=True)) == ["portrait", "wedding"]

    page.click("#photo-grid .photo-tile >> nth=0")
    page.wait_for_url("**/photos/*/")
    wait_until(page, "document.querySelector('#photo-image').complete")
    assert image_loaded(page, "#photo-image")
    assert page.locator("#photo-title").inner_text() in ("portrait", "wedding")
    page.screenshot(path=str(artifacts_dir / "photo-page.png"), full_page=True)

    page.select_option("#language-select", "ko")
    page.wait_for_selector("html[lang=ko]")
    assert "원본 내려받기" in page.locator("#download-original").inner_text()
    page.goto(f"{live_server.url}/")
    assert page.locator("#library-title").inner_text() == "모든 사진"
    page.screenshot(path=str(artifacts_dir / "library-korean.png"), full_page=True)


def test_sidebar_is_off_canvas_on_a_phone(browser, live_server, transactional_db, artifacts_dir):
    from tests.browser.fixtures import login
    from tests.factories import make_album, make_user

    user = make_user("phone@example.com")
    make_album(user, "Holidays")
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    phone = context.new_page()
    try:
        login(phone, live_server, user.email)
        sidebar = phone.locator("#album-sidebar")
        assert not sidebar.is_visible()
        phone.click("button[aria-controls=album-sidebar]")
        phone.wait_for_selector("#album-sidebar.show")
        assert phone.locator("#album-sidebar >> text=Holidays").is_visible()
        phone.screenshot(path=str(artifacts_dir / "phone-sidebar.png"))
    finally:
        context.close()


def test_click_to_choose_files_uploads_too(page, live_server, signed_in):
    page.goto(f"{live_server.url}/")
    with page.expect_file_chooser() as chooser:
        page.click("#upload-zone")  # the zone opens the file input's picker
    chooser.value.set_files(
        [{"name": "scan.bmp", "mimeType": "image/bmp", "buffer": image_bytes("BMP", size=(300, 200))}]
    )
    page.wait_for_selector("#upload-list .upload-done")
    wait_until(page, "document.querySelector('#photo-grid img')?.naturalWidth > 0")
    assert page.locator("[data-count-all]").inner_text() == "1"
    photo = Photo.objects.get(owner=signed_in)
    assert (photo.format, photo.width, photo.height) == ("PNG", 300, 200)

    # A file dropped beside the zone is uploaded too, instead of the browser leaving the page to show it.
    drop_files(page, "#library-title", [("beside.webp", "image/webp", image_bytes("WEBP"))])
    wait_until(page, "document.querySelectorAll('#upload-list .upload-done').length === 2")
    assert page.url == f"{live_server.url}/"
    assert page.locator("[data-count-all]").inner_text() == "2"

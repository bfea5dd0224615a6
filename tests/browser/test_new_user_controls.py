"""Controls a new user met in the browser: the upload zone by keyboard, the upload list, the
phone header and the icons (issue 16's defects 10, 12, 13 and 14)."""

import pytest

from tests.browser.test_library_flow import drop_files
from tests.factories import image_bytes

pytestmark = [pytest.mark.slow, pytest.mark.browser]


def test_enter_on_the_upload_zone_opens_the_file_picker_and_the_zone_is_one_tab_stop(page, live_server, signed_in):
    page.goto(f"{live_server.url}/")
    # Record the picker being asked for instead of opening the native dialog: whether headless
    # Chromium then reports a file chooser event depends on timing under load.
    page.evaluate("""() => { window.__pickers = 0; const input = document.getElementById('upload-input');
        input.showPicker = () => { window.__pickers += 1; }; }""")
    page.focus("#upload-zone")
    page.keyboard.press("Enter")
    page.keyboard.press(" ")
    assert page.evaluate("window.__pickers") == 2
    assert page.get_attribute("#upload-input", "multiple") is not None
    # Tab from the zone goes past the hidden input, straight to the next control.
    page.focus("#upload-zone")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") != "upload-input"
    assert page.get_attribute("#upload-input", "tabindex") == "-1"


def test_an_upload_row_says_processing_until_done_then_clears(page, live_server, signed_in):
    page.goto(f"{live_server.url}/")
    page.evaluate("document.getElementById('upload-form').dataset.doneRowSeconds = '0.5'")
    drop_files(page, "#upload-zone", [("one.png", "image/png", image_bytes("PNG", size=(40, 30)))])
    page.wait_for_selector(".upload-item.upload-done")
    assert page.locator(".upload-item .upload-status").inner_text() == "Uploaded"
    page.wait_for_selector(".upload-item", state="detached", timeout=5_000)
    assert page.locator(".photo-tile").count() == 1


def test_the_phone_header_has_distinct_labelled_buttons_and_a_real_bell_icon(browser, live_server, transactional_db):
    from tests.browser.fixtures import login
    from tests.factories import make_user

    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-US", is_mobile=True)
    phone = context.new_page()
    try:
        user = make_user("phone@example.com")
        login(phone, live_server, user.email)
        buttons = phone.locator("nav.navbar button:visible")
        names = [buttons.nth(i).inner_text().strip() for i in range(buttons.count())]
        assert names == ["Albums", "Menu"], names
        # The icons are SVG from our own static files: no emoji that renders as an empty box.
        assert phone.locator(".notif-bell svg use").count() == 1
        sprite = phone.get_attribute(".notif-bell svg use", "href")
        assert sprite.startswith("/static/icons/") and sprite.endswith("#bell")
        assert phone.request.get(f"{live_server.url}{sprite.split('#')[0]}").status == 200
        assert "\U0001f514" not in phone.content()
    finally:
        context.close()

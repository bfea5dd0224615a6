"""The "preparing your download" page waits without reloading itself (no meta refresh, which
axe flags: a timed reload takes the page from under a screen reader) and starts the download as
soon as a worker has made the file."""

import pytest

from tests.browser.fixtures import login
from tests.browser.site_pages import make_library

pytestmark = [pytest.mark.slow, pytest.mark.browser]


def test_the_download_starts_by_itself_once_the_file_is_ready(page, live_server, transactional_db):
    from django.urls import reverse

    from enhance import tasks
    from tests.factories import make_user

    user = make_user("download@example.com")
    library = make_library(user, album_name="Trips", photo_title="Beach")
    login(page, live_server, user.email)
    url = f"{live_server.url}{reverse('enhance:result_download', args=[library.succeeded.pk])}?format=jpeg"
    page.goto(url)
    assert page.locator("[data-preparing-download]").is_visible()
    assert page.locator("meta[http-equiv=refresh]").count() == 0
    page.evaluate("window.__samePage = true")
    page.wait_for_timeout(2_500)  # at least one "not yet" answer: the page must still be this one
    assert page.evaluate("window.__samePage") is True
    tasks.prepare_download(library.succeeded.pk, "jpeg")  # what the worker does
    with page.expect_download(timeout=10_000) as started:
        pass
    assert started.value.suggested_filename.endswith(".jpg")

"""axe-core finds no accessibility violation on any main page, signed out and signed in, in
English and in Korean (axe-core is bundled by axe-playwright-python: nothing is fetched).

Pages come from tests/browser/site_pages.py; add a page there and it is scanned here."""

from __future__ import annotations

import pytest

from tests.browser.fixtures import login
from tests.browser.site_pages import ANONYMOUS_PAGES, POSTED_PAGES, make_library, signed_in_pages
from tests.factories import make_user

pytestmark = [pytest.mark.slow, pytest.mark.browser]

# Every rule axe runs by default (WCAG 2.0/2.1/2.2 A and AA plus best practices).


def violations(page, name: str) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    found = []
    for violation in results.response["violations"]:
        targets = [" ".join(map(str, node["target"])) for node in violation["nodes"]][:5]
        found.append(f"{name} ({page.url}): {violation['id']} ({violation['impact']}): {violation['help']} "
                     f"-> {targets}")
    return found


@pytest.mark.parametrize("language", ["en", "ko"])
def test_every_main_page_has_no_axe_violations(browser, live_server, transactional_db, language):
    user = make_user(f"axe-{language}@example.com", language=language)
    library = make_library(user, album_name="A long album name for a family trip to the seaside in 1972",
                           photo_title="" if language == "en" else "할머니 사진")
    locale = "ko-KR" if language == "ko" else "en-US"
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale=locale,
                                  extra_http_headers={"Accept-Language": locale})
    problems = []
    try:
        page = context.new_page()
        for name, path in ANONYMOUS_PAGES:
            page.goto(f"{live_server.url}{path}")
            problems += violations(page, name)
        login(page, live_server, user.email)
        for name, path in signed_in_pages(library):
            page.goto(f"{live_server.url}{path}")
            problems += violations(page, name)
        for name, open_page in POSTED_PAGES:
            open_page(page, live_server.url, library)
            problems += violations(page, name)
    finally:
        context.close()
    assert not problems, "axe violations:\n" + "\n".join(problems)


@pytest.mark.parametrize("width", [390])
def test_the_main_pages_on_a_phone_have_no_axe_violations(browser, live_server, transactional_db, width):
    user = make_user("axe-phone@example.com")
    library = make_library(user, album_name="Holidays", photo_title="Beach")
    context = browser.new_context(viewport={"width": width, "height": 844}, locale="en-US", is_mobile=True)
    problems = []
    try:
        page = context.new_page()
        login(page, live_server, user.email)
        for name, path in signed_in_pages(library):
            page.goto(f"{live_server.url}{path}")
            problems += violations(page, name)
    finally:
        context.close()
    assert not problems, "axe violations on a phone:\n" + "\n".join(problems)

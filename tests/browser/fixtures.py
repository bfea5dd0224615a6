"""Playwright fixtures shared by every browser test: Debian's chromium, a fresh page, sign-up and login helpers.

Registered once for the whole suite by tests/conftest.py (pytest_plugins): Playwright's sync API
allows one running instance per thread, so a second session-scoped `browser` (a test module
importing these fixtures itself) would fail with "Sync API inside the asyncio loop".

Use with pytest-django's `live_server` (which needs the `transactional_db` fixture):

    @pytest.mark.slow
    @pytest.mark.browser
    def test_something(page, live_server, signed_in):
        ...
"""

import os
import time
from pathlib import Path

import pytest
from django.conf import settings

from tests.factories import PASSWORD, make_user

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(settings.BASE_DIR) / "artifacts"


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is missing: `apt-get install chromium` (make test does it)")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an asyncio loop running in the test thread; the ORM calls
    # the tests make there (factories, assertions) are still plain synchronous code.
    # Only while the browser is up: a subprocess started by another test must not inherit it.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            yield launched
            launched.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    context.set_default_timeout(15_000)
    opened = context.new_page()
    yield opened
    context.close()


@pytest.fixture
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


def login(page, live_server, email: str, password: str = PASSWORD) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", password)
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")


def signup(page, live_server, email: str, password: str = PASSWORD) -> None:
    page.goto(f"{live_server.url}/accounts/signup/")
    page.fill("input[name=email]", email)
    page.fill("input[name=password1]", password)
    page.fill("input[name=password2]", password)
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")


@pytest.fixture
def signed_in(page, live_server, transactional_db):
    """A user made in the database and logged in through the real login form; returns the user."""
    user = make_user("browser@example.com")
    login(page, live_server, user.email)
    return user


def wait_until(page, expression: str, timeout: float = 15.0) -> None:
    """Poll a JavaScript expression until it is truthy.

    page.wait_for_function builds its predicate with eval() inside the page, which the
    site's Content-Security-Policy refuses (no 'unsafe-eval'); page.evaluate runs through
    the DevTools protocol, outside the page's policy."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for: {expression}")
        page.wait_for_timeout(100)

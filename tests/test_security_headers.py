"""Content-Security-Policy and Permissions-Policy on every page, and pages that need no
inline script or style to work under them (issue 14, behind the proxy)."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from enhance import services
from tests import factories
from tests.auth_defaults import _fast_password_hashing  # noqa: F401  (autouse here)

pytestmark = pytest.mark.django_db

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
INLINE_STYLE = re.compile(r"<style\b|\sstyle\s*=", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)


def _pages(owner, photo) -> list[str]:
    services.submit(owner, photo, "realsr", {})  # a queued job: the progress bar is on the page
    return [
        reverse("home"),
        reverse("photo_detail", args=[photo.pk]),
        reverse("enhance:my_jobs"),
        reverse("settings"),
        "/billing/account/",
        "/billing/pricing/",
        reverse("landing"),
        "/admin/",
        "/admin/enhance/job/",
        f"/admin/albums/photo/{photo.pk}/change/",
        "/api/docs/",
    ]


def test_every_page_has_the_policies_and_no_inline_script_or_style(owner, photo):
    owner.is_staff = owner.is_superuser = True
    owner.save()
    client = Client()
    client.force_login(owner)
    for path in _pages(owner, photo) + [reverse("account_logout")]:
        response = client.get(path)
        assert response.status_code == 200, path
        policy = response["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "style-src 'self'" in policy and "default-src 'self'" in policy
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
        assert "camera=()" in response["Permissions-Policy"] and "geolocation=()" in response["Permissions-Policy"]
        html = response.content.decode()
        assert not INLINE_SCRIPT.search(html), (path, INLINE_SCRIPT.search(html).group(0))
        assert not INLINE_STYLE.search(html), (path, html[INLINE_STYLE.search(html).start() - 80:][:200])
        assert not EVENT_HANDLER.search(html), (path, EVENT_HANDLER.search(html).group(0))


@pytest.mark.parametrize("path", ["/accounts/login/", "/accounts/signup/", "/api/v1/me/", "/api/v1/nothing/"])
def test_anonymous_pages_and_the_api_carry_the_policies_too(client, path):
    response = client.get(path)
    assert "Content-Security-Policy" in response and "Permissions-Policy" in response
    assert not INLINE_SCRIPT.search(response.content.decode())


def test_the_server_error_page_needs_no_inline_style():
    from django.template import loader

    html = loader.get_template("500.html").render()
    assert not INLINE_STYLE.search(html) and "/static/css/app.css" in html


def test_progress_bars_get_their_width_from_data_not_style(owner, photo):
    job = services.submit(owner, photo, "realsr", {})
    client = Client()
    client.force_login(owner)
    html = client.get(reverse("photo_detail", args=[photo.pk])).content.decode()
    assert f'data-width="{job.progress}"' in html
    assert "/static/js/site.js" in html


@pytest.mark.slow
@pytest.mark.browser
def test_the_photo_page_and_the_admin_work_in_a_browser_under_the_policy(page, live_server, transactional_db):
    """No Content-Security-Policy violation is reported, and the pages' scripts run."""
    user = factories.make_user("csp@example.com", is_staff=True, is_superuser=True)
    photo = factories.make_photo(user, title="Under CSP")
    services.submit(user, photo, "realsr", {})
    violations = []
    page.on("console", lambda message: violations.append(message.text)
            if "Content Security Policy" in message.text else None)
    from tests.browser.fixtures import login

    login(page, live_server, "csp@example.com")
    page.goto(f"{live_server.url}{reverse('photo_detail', args=[photo.pk])}")
    bar = page.locator("[data-job-progress] .progress-bar").first
    bar.wait_for(state="attached")  # 0 % wide: attached, not visible
    assert bar.evaluate("element => element.style.width") == "0%"  # set by site.js from data-width
    with page.expect_navigation():
        page.select_option("#language-select", "ko")  # the switcher's script submits the form
    assert page.locator("html").get_attribute("lang") == "ko"
    with page.expect_navigation():
        page.select_option("#language-select", "en")
    page.goto(f"{live_server.url}/admin/albums/photo/{photo.pk}/change/")
    page.locator("#photo_form").wait_for()
    page.goto(f"{live_server.url}/admin/enhance/job/")
    page.locator("#changelist").wait_for()
    page.goto(f"{live_server.url}/api/docs/")
    page.locator(".swagger-ui .info").wait_for()  # Swagger UI started from its external script
    assert violations == []

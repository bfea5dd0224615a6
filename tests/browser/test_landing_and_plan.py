"""A first visit in a real browser: the landing page for an anonymous visitor (examples load,
sources and licences shown, sign-up reachable), and the plan box and Pro badge a Free user meets
on a photo's page (issue 16)."""

import pytest

from showcase.samples import SAMPLES
from tests.factories import make_photo

pytestmark = [pytest.mark.slow, pytest.mark.browser]


def test_an_anonymous_visitor_sees_real_examples_the_options_the_plans_and_can_sign_up(
        page, live_server, transactional_db, artifacts_dir):
    page.goto(f"{live_server.url}/")
    assert page.locator("[data-landing-hero] h1").is_visible()
    assert page.locator("input[type=password]").count() == 0
    figures = page.locator("[data-example]")
    assert figures.count() == len(SAMPLES)
    for index in range(figures.count()):
        figures.nth(index).scroll_into_view_if_needed()
        for img in figures.nth(index).locator("img").all():
            img.evaluate("(el) => el.decode()")  # lazy images: decoded once scrolled to
            assert img.evaluate("(el) => el.complete && el.naturalWidth > 0"), img.get_attribute("src")
    assert page.locator("[data-licence]").first.inner_text().startswith("Source: NASA")
    assert page.locator("[data-kind]").count() == 4
    assert page.locator("[data-plan]").count() == 2
    page.evaluate("window.scrollTo(0, 0)")  # the sticky top bar back at the top of the picture
    page.screenshot(path=str(artifacts_dir / "landing.png"), full_page=True)
    page.locator("[data-landing-signup]").click()
    page.wait_for_url(f"{live_server.url}/accounts/signup/")


def test_a_free_user_sees_the_plan_box_and_a_pro_model_cannot_be_run_into_a_refusal(
        page, live_server, signed_in, bopb_installed):
    photo = make_photo(signed_in, title="Portrait")
    page.goto(f"{live_server.url}/photos/{photo.pk}/")
    box = page.locator("[data-plan-box]")
    assert "30 of 30 jobs left this month" in box.inner_text()
    assert "photos up to 4 megapixels" in box.inner_text()
    run = page.locator("[data-run]")
    page.select_option("#enhance-type", "sr")
    assert run.is_enabled()
    page.select_option("#enhance-type", "restore")
    locked = page.locator('[data-models-for="restore"] [data-plan-locked]')
    assert locked.is_visible() and "Included in the Pro plan." in locked.inner_text()
    assert run.is_disabled()
    locked.get_by_role("link", name="Upgrade to Pro").click()
    page.wait_for_url(f"{live_server.url}/billing/pricing/")


def test_a_refusal_shows_next_to_run_with_the_upgrade_link(page, live_server, signed_in):
    from django.utils import timezone

    from billing.models import MonthlyUsage
    from billing.plans import FREE
    from billing.policy import month_start

    photo = make_photo(signed_in, title="Portrait")
    MonthlyUsage.objects.create(user=signed_in, month=month_start(timezone.now()), jobs=FREE.jobs_per_month)
    page.goto(f"{live_server.url}/photos/{photo.pk}/")
    assert "0 of 30 jobs left" in page.locator("[data-plan-box]").inner_text()
    page.select_option("#enhance-type", "2dsr")
    page.click("[data-run]")
    error = page.locator("[data-enhance-error]")
    error.locator("[data-enhance-upgrade]").wait_for(state="visible")
    assert "You have used all 30 jobs" in error.inner_text()
    # Read where the button was pressed: right under Run, above the model's options.
    run_box = page.locator("[data-run]").bounding_box()
    options_box = page.locator('[data-models-for="2dsr"]').bounding_box()
    error_box = error.bounding_box()
    assert run_box["y"] < error_box["y"] < options_box["y"]
    assert error.locator("[data-enhance-upgrade]").get_attribute("href") == "/billing/pricing/"

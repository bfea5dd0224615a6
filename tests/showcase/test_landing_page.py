"""The first visit shows the product: real before/after examples with their source and licence,
what each option does (from the catalogue), the plans and sign-up; never a login form."""

import re
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.urls import reverse

from billing.plans import PLANS
from enhance.engine.catalog import all_specs
from showcase.samples import SAMPLES


def _html(client, path="/", **headers):
    response = client.get(path, **headers)
    assert response.status_code == 200
    return response.content.decode()


def test_an_anonymous_visitor_lands_on_the_product_not_a_login_form(anon_client):
    html = _html(anon_client)
    assert "data-landing-hero" in html
    assert 'name="password"' not in html
    assert f'href="{reverse("account_signup")}"' in html


def test_every_example_is_shown_with_its_source_and_licence_and_the_files_exist(anon_client):
    html = _html(anon_client)
    for sample in SAMPLES:
        assert f'data-example="{sample.slug}"' in html
        for static_path in (sample.before_static, sample.after_static):
            assert f"{settings.STATIC_URL}{static_path}" in html
            found = finders.find(static_path)
            assert found and Path(found).stat().st_size < 80_000, static_path  # small JPEGs
            assert Path(found).read_bytes()[:3] == b"\xff\xd8\xff"
        assert sample.source in html
        assert str(sample.licence) in html
        assert sample.input_path.is_file()


def test_the_options_come_from_the_catalogue_and_pro_models_carry_a_badge(anon_client):
    html = _html(anon_client)
    for spec in all_specs():
        assert spec.summary in html
    assert "art: drawings and anime (CUNet); photo: photographs (UpConv7)" in html  # waifu2x style help
    restore = html[html.index('data-kind="restore"'):]
    restore = restore[: restore.index('data-kind="', 10)]
    assert "data-pro-badge" in restore and f'href="{reverse("billing:pricing")}"' in restore
    sr = html[html.index('data-kind="sr"'):html.index('data-kind="restore"')]
    assert "data-pro-badge" not in sr  # RealSR and Real-ESRGAN are in the Free plan


def test_the_plans_come_from_the_plan_table(anon_client):
    html = _html(anon_client)
    for plan in PLANS.values():
        assert f'data-plan="{plan.code}"' in html
        assert f"{plan.jobs_per_month:,} jobs a month" in html


def test_the_landing_page_is_in_korean_for_korean_readers(anon_client):
    html = _html(anon_client, HTTP_ACCEPT_LANGUAGE="ko")
    assert 'lang="ko"' in html
    assert "Before and after" not in html and "What each option does" not in html
    assert "퍼블릭 도메인" in html  # "Public domain"


def test_a_signed_in_person_gets_the_library_at_home_and_a_library_link_on_the_landing_page(owner_client):
    home = _html(owner_client)
    assert "data-landing-hero" not in home and 'id="upload-zone"' in home
    landing = _html(owner_client, reverse("landing"))
    assert "data-landing-library" in landing and "data-landing-signup" not in landing
    assert re.search(rf'href="{reverse("home")}"[^>]*data-landing-library', landing)


def test_pages_that_need_an_account_still_send_visitors_to_log_in(anon_client, photo):
    response = anon_client.get(reverse("photo_detail", args=[photo.pk]))
    assert response.status_code == 404 or response.url.startswith(reverse("account_login"))
    response = anon_client.get(reverse("enhance:my_jobs"))
    assert response.status_code == 302 and response.url.startswith(reverse("account_login"))

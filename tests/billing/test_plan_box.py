"""Issue 16, defect 8: the photo page shows the plan's limits and the jobs left; Pro-only models
carry a Pro badge and an upgrade link and cannot be run into a refusal; a photo above the Free
limit is said at upload (web list and API) and on its page; a refusal shows next to Run."""

import re

from django.urls import reverse

from albums.models import Photo
from billing.models import BillingProfile
from billing.plans import FREE
from enhance import services
from tests.factories import image_bytes, upload_file

JSON = {"HTTP_ACCEPT": "application/json"}
PRICING = reverse("billing:pricing")


def _page(client, photo) -> str:
    return client.get(reverse("photo_detail", args=[photo.pk])).content.decode()


def _box(html: str) -> str:
    start = html.index("data-plan-box")
    return html[start : html.index('<form method="post"', start)]


def _fieldset(html: str, prefix: str, model: str) -> str:
    start = html.index(f'data-model-options="{model}"', html.index(f'id="{prefix}-type"'))
    return html[start : html.index("</fieldset>", start)]


def test_the_photo_page_shows_the_plan_and_the_jobs_left_this_month(owner_client, owner, photo):
    box = _box(_page(owner_client, photo))
    assert "Free" in box and "30 of 30 jobs left this month" in box and "photos up to 4 megapixels" in box
    assert f'href="{PRICING}" data-upgrade-link' in box
    services.submit(owner, photo, "realsr", {})
    assert "29 of 30 jobs left this month" in _box(_page(owner_client, photo))


def test_no_jobs_left_is_said_in_the_box_with_the_upgrade_link(owner_client, owner, photo):
    from django.utils import timezone

    from billing.models import MonthlyUsage
    from billing.policy import month_start

    MonthlyUsage.objects.create(user=owner, month=month_start(timezone.now()), jobs=FREE.jobs_per_month)
    box = _box(_page(owner_client, photo))
    assert "0 of 30 jobs left" in box and "data-plan-quota-notice" in box and PRICING in box


def test_a_pro_only_model_has_a_badge_an_upgrade_link_and_cannot_be_run(owner_client, photo, bopb_installed):
    html = _page(owner_client, photo)
    assert re.search(r'<option value="restore"\s*>\s*Restoration w/o scratches — Pro</option>', html)
    restore = _fieldset(html, "enhance", "bopb")
    assert "data-locked" in restore and "Included in the Pro plan." in restore
    assert f'<a href="{PRICING}">Upgrade to Pro</a>' in restore
    assert '<span class="badge text-bg-warning">Pro</span>' in restore
    waifu2x = _fieldset(html, "enhance", "waifu2x")
    assert "data-locked" not in waifu2x and "badge" not in waifu2x


def test_a_pro_user_sees_no_badge_and_no_upgrade_link(owner_client, owner, photo, bopb_installed):
    BillingProfile.objects.create(user=owner, granted_plan="pro")
    html = _page(owner_client, photo)
    assert "data-upgrade-link" not in _box(html) and "1,000 of 1,000 jobs left" in _box(html)
    assert "data-locked" not in _fieldset(html, "enhance", "bopb")
    assert "— Pro</option>" not in html


def test_a_photo_above_the_free_limit_says_so_on_its_page_and_every_model_is_locked(owner_client, owner, photo):
    Photo.objects.filter(pk=photo.pk).update(width=2500, height=2000)
    photo.refresh_from_db()
    html = _page(owner_client, photo)
    box = _box(html)
    assert "This photo has 5.0 megapixels; the Free plan enhances photos up to 4 megapixels." in box
    assert "data-plan-size-notice" in box and PRICING in box
    assert "data-locked" in _fieldset(html, "enhance", "realsr")
    BillingProfile.objects.create(user=owner, granted_plan="pro")
    html = _page(owner_client, photo)
    assert "data-plan-size-notice" not in html and "data-locked" not in _fieldset(html, "enhance", "realsr")


def test_the_refusal_area_sits_right_under_run_with_an_upgrade_link(owner_client, photo):
    html = _page(owner_client, photo)
    # Next to Run and without `order-last`: shown before the options (which are), not below them.
    assert re.search(r'data-run disabled>Run</button>\s*</div>\s*'
                     r'<div class="col-12 small text-danger" role="alert" data-enhance-error>', html)
    assert re.search(rf'href="{PRICING}" data-enhance-upgrade hidden', html)
    # The JSON refusal the page script shows there carries the link.
    Photo.objects.filter(pk=photo.pk).update(width=2500, height=2000)
    response = owner_client.post(reverse("enhance:submit", args=[photo.pk]), {"type": "sr"}, **JSON)
    assert response.status_code == 402 and response.json()["upgrade_url"] == PRICING


def test_the_upload_list_hears_when_a_photo_is_above_the_plan(owner_client):
    big = image_bytes("PNG", size=(2100, 2000))
    body = owner_client.post(reverse("photo_upload"), {"file": upload_file(big, "big.png", "image/png")}).json()
    assert body["plan_notice"].startswith("This photo has 4.2 megapixels; the Free plan enhances photos up to 4")
    assert body["upgrade_url"] == PRICING
    small = owner_client.post(reverse("photo_upload"), {"file": upload_file(image_bytes(), "small.jpg")}).json()
    assert "plan_notice" not in small


def test_the_api_photo_payload_flags_a_photo_above_the_plan(owner, photo):
    from tests.api.conftest import token_client

    api = token_client(owner)
    assert api.get(f"/api/v1/photos/{photo.pk}/").json()["above_plan_limit"] is False
    Photo.objects.filter(pk=photo.pk).update(width=2500, height=2000)
    listed = api.get("/api/v1/photos/").json()
    assert listed["results"][0]["above_plan_limit"] is True
    BillingProfile.objects.create(user=owner, granted_plan="pro")
    assert api.get(f"/api/v1/photos/{photo.pk}/").json()["above_plan_limit"] is False

"""me/ (plan, usage, limits from billing) and models/ (options, availability, what the plan allows)."""

import pytest

from billing.models import BillingProfile, MonthlyUsage
from tests import factories

pytestmark = pytest.mark.django_db


def _grant_pro(user):
    BillingProfile.objects.update_or_create(user=user, defaults={"granted_plan": "pro", "grant_note": "tests"})


def test_me_for_a_free_user_counts_submitted_jobs(owner_api, owner, photo):
    me = owner_api.get("/api/v1/me/").json()
    assert (me["id"], me["email"], me["plan"]) == (owner.pk, "owner@example.com", "free")
    assert me["usage"]["jobs_this_month"] == 0
    assert me["limits"]["jobs_per_month"] == 30
    assert me["limits"]["models"] == ["realesrgan", "realsr", "waifu2x"]
    assert me["limits"]["retention_days"] == 30

    assert owner_api.post("/api/v1/jobs/", {"photo": photo.pk, "model": "waifu2x"}, format="json").status_code == 202
    usage = owner_api.get("/api/v1/me/").json()["usage"]
    assert (usage["jobs_this_month"], usage["jobs_remaining"]) == (1, 29)


def test_me_for_a_pro_user(owner_api, owner):
    _grant_pro(owner)
    me = owner_api.get("/api/v1/me/").json()
    assert me["plan"] == "pro"
    assert "bopb" in me["limits"]["models"]
    assert me["limits"]["retention_days"] is None


def test_models_list_every_model_with_options_and_plan(owner_api, owner):
    models = {m["id"]: m for m in owner_api.get("/api/v1/models/").json()}
    assert {"realsr", "waifu2x", "bopb"} <= set(models)
    waifu2x = {o["name"]: o for o in models["waifu2x"]["options"]}
    assert waifu2x["scale"]["choices"] == [1, 2, 4]
    assert waifu2x["noise"]["choices"] == [-1, 0, 1, 2, 3]
    assert waifu2x["style"]["default"] == "art"
    assert models["waifu2x"]["available"] is True
    assert models["waifu2x"]["allowed_by_plan"] is True
    assert models["bopb"]["allowed_by_plan"] is False
    # The live worker (tests/conftest.py) has no Restoration weights: people are told it is not
    # available right now, never an operator's command.
    assert models["bopb"]["available"] is False
    assert "not available right now" in models["bopb"]["reason"]
    assert "manage.py" not in models["bopb"]["reason"]
    _grant_pro(owner)
    models = {m["id"]: m for m in owner_api.get("/api/v1/models/").json()}
    assert models["bopb"]["allowed_by_plan"] is True


def test_a_photo_over_the_free_plans_size_is_refused_with_402(owner_api, owner):
    big = factories.make_photo(owner, data=factories.image_bytes("JPEG", size=(2100, 2000)))
    response = owner_api.post("/api/v1/jobs/", {"photo": big.pk, "model": "realsr"}, format="json")
    assert response.status_code == 402
    assert response.json()["error"]["code"] == "payment_required"
    assert "megapixels" in response.json()["error"]["message"]


def test_the_monthly_quota_is_402(owner_api, owner, photo, settings):
    from django.utils import timezone

    from billing.policy import month_start

    MonthlyUsage.objects.create(user=owner, month=month_start(timezone.now()), jobs=30)
    response = owner_api.post("/api/v1/jobs/", {"photo": photo.pk, "model": "waifu2x"}, format="json")
    assert response.status_code == 402
    assert "used all 30 jobs" in response.json()["error"]["message"]
    assert response.json()["error"]["upgrade_url"] == settings.SITE_URL.rstrip("/") + "/billing/pricing/"

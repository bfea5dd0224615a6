"""Running one enhancement on a selection: each photo gets the plan's checks on its own, and the
person reads one summary of what started and why the rest did not."""

import pytest
from django.urls import reverse

from albums.models import Photo
from billing.models import MonthlyUsage
from billing.policy import month_start
from enhance import services
from enhance.batch_summary import batch_summary
from enhance.models import Job
from tests import factories


@pytest.fixture
def selection(owner, album):
    """Five photos: the second above the Free plan's 4 MP, and room for two more jobs this month."""
    photos = [factories.make_photo(owner, album, title=f"p{n}") for n in range(5)]
    Photo.objects.filter(pk=photos[1].pk).update(width=2100, height=2000)
    photos[1].refresh_from_db()
    from django.utils import timezone

    MonthlyUsage.objects.create(user=owner, month=month_start(timezone.now()), jobs=28)
    return photos


def test_a_large_photo_is_refused_alone_and_the_quota_stops_the_rest(owner, selection):
    outcome = services.submit_batch(owner, selection, "waifu2x", {"style": "photo", "scale": 2, "noise": 1})
    assert [job.photo_id for job in outcome.jobs] == [selection[0].pk, selection[2].pk]
    assert [(photo.pk, why.code) for photo, why in outcome.refused] == [
        (selection[1].pk, "plan_size"), (selection[3].pk, "plan_quota"), (selection[4].pk, "plan_quota")]
    assert batch_summary(owner, outcome) == (
        "2 started, 3 refused: 2 over this month's quota, 1 above the Free plan's 4 MP")


def test_all_started_says_only_that(owner, album):
    photos = [factories.make_photo(owner, album) for _ in range(3)]
    outcome = services.submit_batch(owner, photos, "realsr", {})
    assert batch_summary(owner, outcome) == "3 started"


def test_the_grid_form_shows_the_summary_back_on_the_grid(owner_client, owner, album, selection):
    grid = reverse("album_detail", args=[album.pk])
    response = owner_client.post(reverse("enhance:submit_batch"), {
        "photo": [p.pk for p in selection], "type": "2dsr", "model": "waifu2x", "style": "photo", "scale": "2",
        "noise": "1", "next": grid}, follow=True)
    assert response.redirect_chain == [(grid, 302)]
    assert "2 started, 3 refused: 2 over this month&#x27;s quota, 1 above the Free plan&#x27;s 4 MP" in (
        response.content.decode())
    assert Job.objects.filter(owner=owner).count() == 2


def test_the_json_answer_has_the_summary_and_each_refusal(owner_client, selection):
    response = owner_client.post(reverse("enhance:submit_batch"), {
        "photo": [p.pk for p in selection], "type": "sr"}, HTTP_ACCEPT="application/json")
    body = response.json()
    assert response.status_code == 202
    assert body["summary"].startswith("2 started, 3 refused")
    assert [r["code"] for r in body["refused"]] == ["plan_size", "plan_quota", "plan_quota"]


def test_when_nothing_starts_the_answer_is_the_refusal_with_the_summary(owner_client, owner, album):
    photo = factories.make_photo(owner, album)
    Photo.objects.filter(pk=photo.pk).update(width=3000, height=3000)
    response = owner_client.post(reverse("enhance:submit_batch"), {"photo": [photo.pk], "type": "sr"},
                                 HTTP_ACCEPT="application/json")
    assert response.status_code == 402
    assert response.json()["error"] == "0 started, 1 refused: 1 above the Free plan's 4 MP"
    assert response.json()["upgrade_url"]

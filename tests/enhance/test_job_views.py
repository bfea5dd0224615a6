import json

import pytest
from django.urls import reverse

from enhance import services, tasks
from enhance.models import Job
from tests import factories

JSON = {"HTTP_ACCEPT": "application/json"}


def _submit(client, photo, **data):
    return client.post(reverse("enhance:submit", args=[photo.pk]), data, **JSON)


def test_run_2d_sr_from_the_photo_page(owner_client, photo):
    response = _submit(owner_client, photo, type="2dsr", style="photo", scale="4", noise="3")
    assert response.status_code == 202
    body = response.json()
    job = Job.objects.get(pk=body["id"])
    assert (job.model, job.options) == ("waifu2x", {"style": "photo", "scale": 4, "noise": 3})
    assert body["status"] == "queued" and body["progress"] == 0


def test_sr_maps_to_realsr(owner_client, photo):
    assert _submit(owner_client, photo, type="sr").status_code == 202
    assert Job.objects.get().model == "realsr"


def test_html_form_post_redirects_to_the_photo(owner_client, photo):
    response = owner_client.post(reverse("enhance:submit", args=[photo.pk]), {"type": "sr"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("photo_detail", args=[photo.pk]))


@pytest.mark.parametrize(
    ("data", "status", "fragment"),
    [
        ({"type": "none"}, 400, "nothing to run"),
        ({"type": ""}, 400, "Choose"),
        ({"type": "2dsr", "scale": "3"}, 400, "Invalid options"),
        ({"type": "2dsr", "noise": "loud"}, 400, "Invalid options"),
    ],
)
def test_bad_choices_get_a_reason(owner_client, photo, data, status, fragment):
    response = _submit(owner_client, photo, **data)
    assert response.status_code == status
    assert fragment in response.json()["error"]
    assert not Job.objects.exists()


def test_bad_choice_from_a_plain_form_gets_a_page_with_the_reason(owner_client, photo):
    response = owner_client.post(reverse("enhance:submit", args=[photo.pk]), {"type": "2dsr", "scale": "3"})
    assert response.status_code == 400
    assert b"Invalid options" in response.content


def test_other_people_cannot_run_jobs_on_my_photo(other_client, photo):
    assert _submit(other_client, photo, type="sr").status_code == 404
    assert not Job.objects.exists()


def test_anonymous_is_sent_to_login(anon_client, photo):
    response = anon_client.post(reverse("enhance:submit", args=[photo.pk]), {"type": "sr"})
    assert response.status_code == 302 and "login" in response["Location"]


def test_get_is_not_allowed(owner_client, photo):
    assert owner_client.get(reverse("enhance:submit", args=[photo.pk])).status_code == 405


def test_status_json_for_the_owner_only(owner_client, other_client, photo):
    job_id = _submit(owner_client, photo, type="sr").json()["id"]
    url = reverse("enhance:job_status", args=[job_id])
    body = owner_client.get(url).json()
    assert {"status", "progress", "stage", "eta_seconds", "error"} <= set(body)
    assert other_client.get(url).status_code == 404
    many = owner_client.get(reverse("enhance:jobs_status"), {"ids": f"{job_id},99999,abc"}).json()
    assert [job["id"] for job in many["jobs"]] == [job_id]
    assert other_client.get(reverse("enhance:jobs_status"), {"ids": str(job_id)}).json() == {"jobs": []}


def test_cancel_a_queued_job(owner_client, other_client, photo):
    job_id = _submit(owner_client, photo, type="sr").json()["id"]
    url = reverse("enhance:cancel", args=[job_id])
    assert other_client.post(url, **JSON).status_code == 404
    assert owner_client.post(url, **JSON).json()["status"] == "canceled"


def test_my_jobs_filters_by_status(owner_client, owner, photo):
    queued = services.submit(owner, photo, "realsr", {})
    canceled = services.cancel(owner, services.submit(owner, photo, "waifu2x", {}))
    page = owner_client.get(reverse("enhance:my_jobs"))
    assert page.status_code == 200
    assert f'id="job-{queued.pk}"'.encode() in page.content and f'id="job-{canceled.pk}"'.encode() in page.content
    only_canceled = owner_client.get(reverse("enhance:my_jobs"), {"status": "canceled"})
    assert f'id="job-{queued.pk}"'.encode() not in only_canceled.content
    assert f'id="job-{canceled.pk}"'.encode() in only_canceled.content


def test_my_jobs_shows_only_my_jobs(other_client, owner, photo):
    job = services.submit(owner, photo, "realsr", {})
    assert f'id="job-{job.pk}"'.encode() not in other_client.get(reverse("enhance:my_jobs")).content


def test_photo_page_shows_the_panel_with_the_select_type_control(owner_client, photo):
    page = owner_client.get(reverse("photo_detail", args=[photo.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    for label in ("None (show the original)", "SR", "Restoration w/o scratches", "Restoration w/ scratches",
                  "2D SR"):
        assert label in html
    assert 'name="style"' in html and 'name="scale"' in html and 'name="noise"' in html


@pytest.fixture
def finished_job(engine_double, owner, photo):
    job = services.submit(owner, photo, "realsr", {})
    tasks.run_next_job()
    return Job.objects.get(pk=job.pk)


@pytest.mark.parametrize(("fmt", "content_type", "magic"), [
    ("original", "image/jpeg", b"\xff\xd8"),  # the fixture photo is a JPEG
    ("png", "image/png", b"\x89PNG"),
    ("jpeg", "image/jpeg", b"\xff\xd8"),
    ("webp", "image/webp", b"RIFF"),
])
def test_download_in_every_format(owner_client, finished_job, fmt, content_type, magic):
    url = reverse("enhance:result_download", args=[finished_job.pk])
    response = owner_client.get(url, {"format": fmt})
    if fmt != "png":
        # A worker makes the file on first request; the page says so and reloads itself.
        assert response.status_code == 202 and response["Retry-After"] == "2"
        assert b"data-preparing-download" in response.content
        tasks.prepare_download(finished_job.pk, content_type.split("/")[1])
        response = owner_client.get(url, {"format": fmt})
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert "attachment" in response["Content-Disposition"]
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert body.startswith(magic)


def test_download_unknown_format_is_400(owner_client, finished_job):
    response = owner_client.get(reverse("enhance:result_download", args=[finished_job.pk]), {"format": "gif"})
    assert response.status_code == 400
    assert "Unknown format" in response.json()["error"]


def test_results_are_private(other_client, anon_client, finished_job):
    for url in (reverse("enhance:result_download", args=[finished_job.pk]),
                reverse("enhance:result_view", args=[finished_job.pk])):
        assert other_client.get(url).status_code == 404
        assert anon_client.get(url).status_code == 302


def test_the_photo_page_shows_the_slider_and_downloads_after_success(owner_client, finished_job):
    html = owner_client.get(reverse("photo_detail", args=[finished_job.photo_id])).content.decode()
    assert "data-before-after" in html and "data-ba-range" in html
    assert reverse("enhance:result_view", args=[finished_job.pk]) in html
    assert reverse("enhance:result_download", args=[finished_job.pk]) in html


def test_delete_a_result_removes_the_row_and_the_file(owner_client, other_client, finished_job, _isolated_media,
                                                      django_capture_on_commit_callbacks):
    url = reverse("enhance:delete", args=[finished_job.pk])
    assert other_client.post(url).status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        assert owner_client.post(url, **JSON).json() == {"deleted": finished_job.pk}
    assert not Job.objects.exists()
    assert not list((_isolated_media / "results").rglob("*.png"))


def test_a_running_job_cannot_be_deleted(owner_client, owner, photo):
    job = services.submit(owner, photo, "realsr", {})
    Job.objects.filter(pk=job.pk).update(status="running")
    response = owner_client.post(reverse("enhance:delete", args=[job.pk]), **JSON)
    assert response.status_code == 409
    assert Job.objects.filter(pk=job.pk).exists()


def test_batch_on_an_album(owner_client, owner, album, photo):
    factories.make_photo(owner, album)
    response = owner_client.post(reverse("enhance:submit_batch"), {"album": album.pk, "type": "sr"}, **JSON)
    assert response.status_code == 202
    assert len(response.json()["jobs"]) == 2


def test_batch_on_selected_photos_ignores_other_peoples(owner_client, other_user, photo):
    foreign = factories.make_photo(other_user)
    response = owner_client.post(reverse("enhance:submit_batch"),
                                 {"photo": [photo.pk, foreign.pk], "type": "2dsr"}, **JSON)
    assert [job["photo"] for job in response.json()["jobs"]] == [photo.pk]


def test_batch_with_nothing_selected_is_400(owner_client, other_user):
    foreign = factories.make_photo(other_user)
    response = owner_client.post(reverse("enhance:submit_batch"), {"photo": [foreign.pk], "type": "sr"}, **JSON)
    assert response.status_code == 400


def test_notifications_count_list_and_read(owner_client, finished_job):
    unread = owner_client.get(reverse("enhance:notifications_unread"), {"after": "0"}).json()
    assert unread["count"] == 1 and len(unread["items"]) == 1 and "ready" in unread["items"][0]["message"]
    home = owner_client.get(reverse("enhance:my_jobs")).content.decode()
    assert "data-notification-count" in home
    page = owner_client.get(reverse("enhance:notifications"))
    assert "ready" in page.content.decode()
    assert owner_client.get(reverse("enhance:notifications_unread")).json()["count"] == 0


def test_other_users_never_see_my_notifications(other_client, finished_job):
    assert other_client.get(reverse("enhance:notifications_unread"), {"after": "0"}).json()["count"] == 0
    assert json.dumps(other_client.get(reverse("enhance:notifications_unread")).json()).count("ready") == 0


def test_a_result_removed_by_retention_is_404_not_500(owner_client, finished_job):
    Job.objects.filter(pk=finished_job.pk).update(result="")
    for url in (reverse("enhance:result_download", args=[finished_job.pk]),
                reverse("enhance:result_view", args=[finished_job.pk])):
        assert owner_client.get(url).status_code == 404
    page = owner_client.get(reverse("photo_detail", args=[finished_job.photo_id])).content.decode()
    assert "data-before-after" not in page


def test_my_jobs_offers_a_whole_album_batch(owner_client, owner, album, photo):
    page = owner_client.get(reverse("enhance:my_jobs")).content.decode()
    assert 'data-batch' in page and f'value="{album.pk}"' in page
    response = owner_client.post(reverse("enhance:submit_batch"), {"album": album.pk, "type": "2dsr"})
    assert response.status_code == 302 and response["Location"] == reverse("enhance:my_jobs")
    assert Job.objects.filter(owner=owner, photo=photo, model="waifu2x").count() == 1

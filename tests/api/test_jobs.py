"""jobs/: submit (202 + Location) through enhance.services, list filters, detail, cancel, result downloads."""

import io

import pytest
from django_q.models import OrmQ
from PIL import Image

from billing import policy
from enhance import tasks
from enhance.models import Job, JobStatus
from tests import factories

pytestmark = pytest.mark.django_db

JOBS = "/api/v1/jobs/"


def test_submit_answers_202_with_the_jobs_address(owner_api, owner, photo):
    response = owner_api.post(JOBS, {"photo": photo.pk, "model": "waifu2x", "options": {"scale": 4, "noise": 1}},
                              format="json")
    assert response.status_code == 202, response.json()
    job = Job.objects.get(owner=owner)
    assert response["Location"] == f"http://testserver{JOBS}{job.pk}/"
    body = response.json()
    assert body["status"] == "queued"
    assert body["options"] == {"style": "art", "scale": 4, "noise": 1}  # defaults filled in
    assert body["result_url"] is None
    assert owner_api.get(response["Location"]).json()["id"] == job.pk


@pytest.mark.parametrize(
    ("body", "message_part"),
    [
        ({"model": "nope", "options": {}}, "Unknown model"),
        ({"model": "waifu2x", "options": {"scale": 3}}, "Invalid options"),
        ({"model": "waifu2x", "options": {"style": "oil"}}, "Invalid options"),
    ],
)
def test_submit_refuses_bad_models_and_options_with_the_services_reason(owner_api, photo, body, message_part):
    response = owner_api.post(JOBS, {"photo": photo.pk, **body}, format="json")
    assert response.status_code == 400
    assert message_part in response.json()["error"]["message"]
    assert Job.objects.count() == 0


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"scale": 3}, "options.scale"),
        ({"style": "oil"}, "options.style"),
        ({"noise": "lots"}, "options.noise"),
        ({"colour": True}, "options.colour"),
        ({"style": "photo", "scale": 1}, "options.scale"),
        ([1, 2], "options"),
    ],
)
def test_bad_options_are_named_in_fields(owner_api, photo, options, field):
    response = owner_api.post(JOBS, {"photo": photo.pk, "model": "waifu2x", "options": options}, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert list(error["fields"]) == [field], error
    assert error["fields"][field][0] in error["message"]
    assert Job.objects.count() == 0


def test_an_unknown_model_is_named_in_fields_with_the_known_ones(owner_api, photo):
    response = owner_api.post(JOBS, {"photo": photo.pk, "model": "nope"}, format="json")
    assert response.status_code == 400
    [message] = response.json()["error"]["fields"]["model"]
    assert "Unknown model" in message and "waifu2x" in message


@pytest.mark.parametrize("body", [{}, {"photo": "x", "model": "waifu2x"}, {"photo": 1, "model": "waifu2x",
                                                                           "options": [1]}])
def test_submit_names_bad_fields(owner_api, photo, body):
    response = owner_api.post(JOBS, body, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["fields"]


def test_submit_refused_by_the_plan_is_402_with_the_reason(owner_api, photo, monkeypatch, settings):
    settings.SITE_URL = "https://restore.example/"

    def refuse(user, model_id, *, width, height):
        raise policy.PolicyRefusal("Your plan does not include this model.")

    monkeypatch.setattr(policy, "admit", refuse)
    response = owner_api.post(JOBS, {"photo": photo.pk, "model": "realsr"}, format="json")
    assert response.status_code == 402
    assert response.json()["error"] == {"code": "payment_required",
                                        "message": "Your plan does not include this model.",
                                        "upgrade_url": "https://restore.example/billing/pricing/"}
    assert Job.objects.count() == 0


def test_list_filters_by_status_and_photo(owner_api, owner, photo, job, finished_job):
    second_photo = factories.make_photo(owner)
    on_second = Job.objects.create(owner=owner, photo=second_photo, model="realsr")
    assert {j["id"] for j in owner_api.get(JOBS).json()["results"]} == {job.pk, finished_job.pk, on_second.pk}
    succeeded = owner_api.get(JOBS, {"status": "succeeded"}).json()["results"]
    assert [j["id"] for j in succeeded] == [finished_job.pk]
    assert [j["id"] for j in owner_api.get(JOBS, {"photo": second_photo.pk}).json()["results"]] == [on_second.pk]
    bad = owner_api.get(JOBS, {"status": "done"})
    assert bad.status_code == 400
    assert "status" in bad.json()["error"]["fields"]


def test_detail_has_progress_timings_and_an_authorised_result_url(owner_api, finished_job, anon_api, other_api):
    body = owner_api.get(f"{JOBS}{finished_job.pk}/").json()
    assert body["status"] == "succeeded"
    assert body["progress"] == 100
    assert body["started_at"] and body["finished_at"]
    assert body["result_url"] == f"http://testserver{JOBS}{finished_job.pk}/result/"
    assert (body["result_width"], body["result_height"]) == (128, 96)
    # The URL is only good with the owner's credentials.
    assert anon_api.get(body["result_url"]).status_code == 401
    assert other_api.get(body["result_url"]).status_code == 404


def test_cancel_a_queued_job(owner_api, job):
    response = owner_api.post(f"{JOBS}{job.pk}/cancel/")
    assert response.status_code == 200
    assert response.json()["status"] == "canceled"
    job.refresh_from_db()
    assert job.status == JobStatus.CANCELED
    again = owner_api.post(f"{JOBS}{job.pk}/cancel/")
    assert again.status_code == 200  # cancelling twice changes nothing


def test_cancel_a_running_job_asks_the_worker_to_stop(owner_api, job):
    Job.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING)
    response = owner_api.post(f"{JOBS}{job.pk}/cancel/")
    assert response.status_code == 200
    job.refresh_from_db()
    assert job.cancel_requested and job.status == JobStatus.RUNNING


def test_cancel_a_finished_job_is_a_conflict(owner_api, finished_job):
    response = owner_api.post(f"{JOBS}{finished_job.pk}/cancel/")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "already_finished"


@pytest.mark.parametrize(
    ("query", "content_type", "pillow_format"),
    [
        ({}, "image/jpeg", "JPEG"),  # the original (a JPEG upload) decides
        ({"format": "original"}, "image/jpeg", "JPEG"),
        ({"format": "png"}, "image/png", "PNG"),
        ({"format": "jpeg"}, "image/jpeg", "JPEG"),
        ({"format": "webp"}, "image/webp", "WEBP"),
    ],
)
def test_result_download_formats(owner_api, finished_job, query, content_type, pillow_format):
    response = owner_api.get(f"{JOBS}{finished_job.pk}/result/", query, HTTP_ACCEPT="image/*")
    if pillow_format != "PNG":
        # Made by a worker on first request: "preparing" until the file exists.
        assert response.status_code == 202
        assert response["Retry-After"] == "2"
        assert response.json() == {"status": "preparing", "retry_after": 2}
        assert OrmQ.objects.count() == 1
        assert owner_api.get(f"{JOBS}{finished_job.pk}/result/", query).status_code == 202
        assert OrmQ.objects.count() == 1  # asked twice, made once
        assert tasks.prepare_download(finished_job.pk, pillow_format.lower()).endswith(("jpg", "webp"))
        response = owner_api.get(f"{JOBS}{finished_job.pk}/result/", query, HTTP_ACCEPT="image/*")
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"].startswith("attachment;")
    data = b"".join(response.streaming_content) if response.streaming else response.content
    image = Image.open(io.BytesIO(data))
    assert (image.format, image.size) == (pillow_format, (128, 96))


def test_result_refuses_an_unknown_format(owner_api, finished_job):
    response = owner_api.get(f"{JOBS}{finished_job.pk}/result/", {"format": "gif"})
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["format"]


def test_result_of_an_unfinished_job_is_a_conflict(owner_api, job):
    response = owner_api.get(f"{JOBS}{job.pk}/result/")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "no_result"

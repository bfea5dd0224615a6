"""A job's stage and error and a notification are stored once, as message ids with parameters,
and read in each reader's language: the page's, the API request's (Accept-Language), the e-mail
recipient's saved one. Rows from before keep reading as they were written."""

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone, translation

from enhance.models import Job, JobStatus
from enhance.notifications.email import send_job_email
from enhance.notifications.models import Notification
from enhance.notifications.service import notify_job_finished
from enhance.stored_text import message, render
from tests.api.conftest import token_client


@pytest.fixture
def failed_job(owner, photo):
    reason = message("%(option)s must be one of %(allowed)s; got %(value)s.",
                     option={"option": "style", "of": "waifu2x"}, allowed={"allowed": "style", "of": "waifu2x"},
                     value="oil")
    return Job.objects.create(
        owner=owner, photo=photo, model="waifu2x", options={"style": "art", "scale": 2, "noise": 1},
        status=JobStatus.FAILED, stage="Failed", finished_at=timezone.now(),
        error="These options cannot be used on this photo: %(reason)s", error_params={"reason": reason},
    )


def test_render_words_tagged_parameters_in_the_active_language():
    stored = message("The %(plan)s plan does not include %(model)s. Upgrade to use it.",
                     plan={"plan": "free"}, model={"model": "bopb"})
    with translation.override("en"):
        assert render(stored["msgid"], stored["params"]) == (
            "The Free plan does not include Old photo restoration. Upgrade to use it.")
    with translation.override("ko"):
        korean = render(stored["msgid"], stored["params"])
    assert "요금제" in korean and "Upgrade" not in korean


def test_text_written_before_message_ids_reads_as_it_was():
    with translation.override("ko"):
        assert render("사진이 너무 큽니다 (100%)") == "사진이 너무 큽니다 (100%)"
        assert Job(stage="업스케일 중").stage_text == "업스케일 중"
        assert Notification(message="Old text, already worded.").text == "Old text, already worded."


def test_the_photo_page_shows_the_failure_in_the_readers_language(owner_client, owner, photo, failed_job):
    owner.language = "ko"
    owner.save()
    page = owner_client.get(reverse("photo_detail", args=[photo.pk])).content.decode()
    assert "이 사진에는 이 옵션을 쓸 수 없습니다: 스타일" in page
    assert "cannot be used" not in page and "must be one of" not in page
    owner.language = "en"
    owner.save()
    page = owner_client.get(reverse("photo_detail", args=[photo.pk])).content.decode()
    assert "Style must be one of Art, Photo; got oil." in page


def test_the_api_words_stage_and_error_in_the_requests_language(owner, failed_job):
    api = token_client(owner)
    url = f"/api/v1/jobs/{failed_job.pk}/"
    english = api.get(url, HTTP_ACCEPT_LANGUAGE="en").json()
    korean = api.get(url, HTTP_ACCEPT_LANGUAGE="ko").json()
    assert english["stage"] == "Failed" and "Style must be one of Art, Photo" in english["error"]
    assert korean["stage"] == "실패" and "must be one of" not in korean["error"] and "oil" in korean["error"]


def test_a_notification_reads_in_each_readers_language_everywhere(owner_client, owner, failed_job):
    notification = notify_job_finished(failed_job)
    assert notification.key and notification.params["title"] == str(failed_job.photo)
    owner.language = "ko"
    owner.save()
    page = owner_client.get(reverse("enhance:notifications")).content.decode()
    assert "실패" in page and "failed:" not in page
    Notification.objects.filter(pk=notification.pk).update(read_at=None)
    owner.language = "en"
    owner.save()
    bell = owner_client.get(reverse("enhance:notifications_unread"), {"after": "0"}).json()
    assert bell["items"][0]["message"].startswith("2D SR (waifu2x) of ")
    assert "failed: These options cannot be used" in bell["items"][0]["message"]


def test_the_email_is_in_the_recipients_language(owner, failed_job, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    owner.language = "ko"
    owner.email_on_job_done = True
    owner.save()
    notification = notify_job_finished(Job.objects.get(pk=failed_job.pk))
    with translation.override("en"):  # whatever the sending worker's language
        assert send_job_email(notification.pk) == "sent"
    body = mail.outbox[-1].body
    assert "실패" in body and "failed" not in body
    assert notification.message.startswith("2D SR (waifu2x) of ")  # operators' copy, site language

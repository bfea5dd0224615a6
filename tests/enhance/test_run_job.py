"""The worker task in-process, with an engine double (the real engine: test_qcluster_end_to_end)."""

import io

import pytest
from django.core import mail
from django.utils import translation
from PIL import Image

from billing import policy
from enhance import services, tasks
from enhance.engine.errors import EngineError, WeightsMissingError
from enhance.models import Job
from enhance.notifications.models import Notification
from enhance.renditions import display_name
from tests import factories
from tests.enhance.conftest import result_files


def test_a_queued_job_runs_to_success(engine_double, queued_job, _isolated_media):
    assert tasks.run_next_job(queued_job.pk) == f"job {queued_job.pk}: succeeded"
    job = Job.objects.get(pk=queued_job.pk)
    assert (job.status, job.progress, job.attempts, job.error) == ("succeeded", 100, 1, "")
    assert (job.result_width, job.result_height) == (job.photo.width * 2, job.photo.height * 2)
    assert job.result_bytes > 0 and job.finished_at and job.device == "cpu"
    # The result and its display rendition (what the before/after slider shows).
    assert result_files(_isolated_media) == sorted([job.result.name, display_name(job.result.name)])
    with job.result.open("rb") as handle:
        assert Image.open(handle).size == (job.result_width, job.result_height)
    assert Notification.objects.get(user=job.owner, job=job).read_at is None
    assert mail.outbox == []  # the owner did not ask for email


def test_email_when_the_owner_asks_for_it(engine_double, owner, photo, django_capture_on_commit_callbacks):
    owner.email_on_job_done = True
    owner.save()
    job = services.submit(owner, photo, "realsr", {})
    with django_capture_on_commit_callbacks(execute=True):
        tasks.run_next_job(job.pk)
    # The worker only queues the email (enhance/notifications/email.py); its own task sends it.
    assert mail.outbox == []
    from enhance.notifications.email import send_job_email

    assert send_job_email(Notification.objects.get(job=job).pk) == "sent"
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [owner.email]
    assert "ready" in mail.outbox[0].body


def test_progress_is_written_while_running(engine_double, queued_job):
    seen = []
    engine_double.during_step = lambda step: seen.append(Job.objects.values_list("progress", "stage").get(
        pk=queued_job.pk))
    tasks.run_next_job()
    assert [p for p, _stage in seen] == sorted(p for p, _stage in seen)
    assert seen[-1][0] > 0 and seen[-1][1].startswith("tile")


def test_idle_when_nothing_is_queued(db):
    assert tasks.run_next_job(12345) == "idle"


@pytest.mark.parametrize(
    ("error", "sentence"),
    [
        (EngineError("tile 3 produced NaN"), "could not be completed"),
        (WeightsMissingError("realsr", "python manage.py import_weights realsr"), "not installed"),
        (MemoryError(), "ran out of memory"),
        (RuntimeError("internal details"), "Something went wrong"),
    ],
)
def test_engine_errors_end_failed_with_a_sentence_and_no_file(engine_double, queued_job, _isolated_media, error,
                                                               sentence):
    engine_double.fail_with = error
    assert tasks.run_next_job().endswith("failed")
    job = Job.objects.get(pk=queued_job.pk)
    assert job.status == "failed"
    assert sentence in job.error
    assert "Traceback" not in job.error and "internal details" not in job.error
    assert result_files(_isolated_media) == []
    assert Notification.objects.filter(job=job).count() == 1


def test_the_error_and_its_notification_read_in_each_readers_language(engine_double, queued_job):
    queued_job.owner.language = "ko"
    queued_job.owner.save()
    engine_double.fail_with = MemoryError()
    tasks.run_next_job()
    job = Job.objects.get(pk=queued_job.pk)
    notification = Notification.objects.get(job=job)
    with translation.override("ko"):
        assert "서버 메모리가 부족했습니다" in job.error_text
        assert "서버 메모리가 부족했습니다" in notification.text
        assert job.stage_text == "실패"
    with translation.override("en"):
        assert "The server ran out of memory" in job.error_text
        assert "The server ran out of memory" in notification.text
        assert job.stage_text == "Failed"


def test_policy_recheck_at_claim_fails_the_job(engine_double, queued_job, monkeypatch):
    def lapsed(user, model_id, *, width, height):
        raise policy.PolicyRefusal("Your Pro plan ended; RealSR needs Pro.")

    monkeypatch.setattr(policy, "recheck_at_claim", lapsed)
    tasks.run_next_job()
    job = Job.objects.get(pk=queued_job.pk)
    assert (job.status, job.error) == ("failed", "Your Pro plan ended; RealSR needs Pro.")
    assert engine_double.calls == []


def test_cancel_while_running_stops_between_tiles(engine_double, queued_job, owner, _isolated_media):
    def cancel_at(step):
        if step == 1:
            services.cancel(owner, Job.objects.get(pk=queued_job.pk))

    engine_double.during_step = cancel_at
    assert tasks.run_next_job().endswith("canceled")
    job = Job.objects.get(pk=queued_job.pk)
    assert job.status == "canceled" and job.cancel_requested
    assert result_files(_isolated_media) == []


def test_a_worker_that_lost_its_claim_writes_nothing(engine_double, queued_job, _isolated_media):
    """The reaper gave the job to someone else mid-run: this worker must stop and keep nothing."""

    def reaped(step):
        if step == 1:
            Job.objects.filter(pk=queued_job.pk).update(status="queued", worker="", heartbeat=None)

    engine_double.during_step = reaped
    assert tasks.run_next_job().endswith("lost")
    job = Job.objects.get(pk=queued_job.pk)
    assert (job.status, job.result.name) == ("queued", "")
    assert result_files(_isolated_media) == []


def test_result_keeps_icc_profile_and_exif_but_not_gps(engine_double, owner, album):
    from PIL import ImageCms
    from PIL.ExifTags import IFD

    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    exif = Image.Exif()
    exif[0x010F] = "Kodak"  # Make
    exif[0x0112] = 1
    exif.get_ifd(IFD.GPSInfo)[2] = (37.0, 30.0, 0.0)
    source = io.BytesIO()
    Image.new("RGB", (20, 12), (10, 200, 30)).save(source, "JPEG", icc_profile=icc, exif=exif.tobytes())
    photo = factories.make_photo(owner, album, data=source.getvalue())
    services.submit(owner, photo, "realsr", {})
    tasks.run_next_job()
    job = Job.objects.get(photo=photo)
    with job.result.open("rb") as handle:
        result = Image.open(handle)
        result.load()
    assert result.info.get("icc_profile") == icc
    stored_exif = result.getexif()
    assert stored_exif.get(0x010F) == "Kodak"
    assert IFD.GPSInfo not in stored_exif


def test_deleting_the_photo_deletes_the_result_files(engine_double, queued_job, _isolated_media,
                                                     django_capture_on_commit_callbacks):
    tasks.run_next_job()
    assert result_files(_isolated_media)
    with django_capture_on_commit_callbacks(execute=True):
        queued_job.photo.delete()
    assert result_files(_isolated_media) == []
    assert not Job.objects.exists()

"""The engine reports in English; people see its options and progress in their language."""

import pytest
from django.urls import reverse
from django.utils import translation

from enhance.engine_text import localized_options, stage_label
from enhance.models import Job
from enhance.worker.claim import claim_next
from enhance.worker.progress import JobReporter


@pytest.mark.parametrize(
    ("stage", "english", "korean"),
    [
        ("realsr", "Upscaling", "확대하는 중"),
        ("waifu2x pass 1/1", "Upscaling", "확대하는 중"),
        ("waifu2x pass 2/2", "Upscaling, pass 2 of 2", "확대하는 중, 2단계 중 2단계"),
        ("bopb: repairing scratches", "Repairing scratches", "긁힘을 복원하는 중"),
        ("bopb: finding faces", "Finding faces", "얼굴 찾는 중"),
        ("bopb: restoring faces 1/3", "Restoring faces 1/3", "얼굴 복원 중 1/3"),
        ("bopb: blending", "Blending", "합성 중"),
    ],
)
def test_engine_stages_read_in_the_active_language(stage, english, korean):
    with translation.override("en"):
        assert stage_label(stage) == english
    with translation.override("ko"):
        assert stage_label(stage) == korean


def test_an_unknown_stage_passes_through():
    with translation.override("ko"):
        assert stage_label("tile 3/12") == "tile 3/12"


def test_option_labels_help_and_value_labels_are_translated():
    with translation.override("ko"):
        style, scale, noise = localized_options("waifu2x")
    assert (noise["label"], noise["help"]) == ("노이즈 제거", "-1 = 없음, 0~3 = 숫자가 클수록 강하게")
    assert (noise["choices"], noise["default"]) == ([-1, 0, 1, 2, 3], 0)
    assert [value["value"] for value in style["values"]] == ["art", "photo"]
    assert all(value["label"] for value in style["values"])


def test_the_worker_stores_the_stage_as_reported_and_each_reader_reads_it_in_their_language(queued_job):
    job = claim_next("w1")
    with translation.override("ko"):  # the worker's language does not matter
        JobReporter(job.pk, "w1").progress(0.5, "waifu2x pass 1/2", force=True)
    job = Job.objects.get(pk=job.pk)
    assert job.stage == "waifu2x pass 1/2"
    with translation.override("ko"):
        assert job.stage_text == "확대하는 중, 2단계 중 1단계"
    with translation.override("en"):
        assert job.stage_text.startswith("Upscaling")


def test_the_photo_page_gives_the_script_translated_time_units(owner_client, owner, photo):
    owner.language = "ko"
    owner.save()
    html = owner_client.get(reverse("photo_detail", args=[photo.pk])).content.decode()
    assert 'data-eta-seconds="약 {n}초"' in html and 'data-eta-minutes="약 {n}분"' in html
    assert "노이즈 제거" in html  # the waifu2x option label

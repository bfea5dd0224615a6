"""The "Select type" control and its option widgets come from the engine's catalogue: kinds from
KINDS, the models serving each from the specs' `uses`, the widgets from each spec's options,
impossible combinations disabled with the reason."""

import json
import re

import pytest
from django.urls import reverse
from django.utils import translation

from enhance import services
from enhance.choices import model_and_options, panel_types
from enhance.engine import catalog
from enhance.engine.catalog import realesrgan
from enhance.models import Job

JSON = {"HTTP_ACCEPT": "application/json"}
EVERYTHING_RUNS = {"realsr": (True, ""), "waifu2x": (True, ""), "bopb": (True, ""), "realesrgan": (True, "")}


@pytest.fixture
def with_realesrgan():
    """Real-ESRGAN's spec, catalogued (availability is passed in)."""
    assert realesrgan.SPEC in catalog.all_specs()
    return realesrgan.SPEC


def _kind(types, key):
    return next(row for row in types if row["key"] == key)


def _model(types, kind, model_id):
    return next(m for m in _kind(types, kind)["models"] if m["id"] == model_id)


def test_kinds_follow_the_catalogue_and_none_comes_first():
    types = panel_types(EVERYTHING_RUNS)
    assert [row["key"] for row in types] == ["none", "sr", "restore", "restore_scratches", "2dsr"]
    assert [m["id"] for m in _kind(types, "2dsr")["models"]] == ["waifu2x", "realesrgan"]


def test_a_kind_with_several_models_lets_people_pick_one(with_realesrgan):
    types = panel_types(EVERYTHING_RUNS)
    assert [m["id"] for m in _kind(types, "sr")["models"]] == ["realsr", "realesrgan"]
    assert [m["id"] for m in _kind(types, "2dsr")["models"]] == ["waifu2x", "realesrgan"]
    assert _kind(types, "sr")["default_model"] == "realsr"


def test_a_preset_option_is_not_a_widget_and_impossible_values_are_disabled_with_the_reason(with_realesrgan):
    with translation.override("en"):
        sr = _model(panel_types(EVERYTHING_RUNS), "sr", "realesrgan")
    (scale,) = sr["fields"]  # variant is fixed by the kind (x4plus for SR)
    assert sr["preset"] == {"variant": "x4plus"}
    disabled = {v["form_value"]: v["reason"] for v in scale["values"] if v["disabled"]}
    assert set(disabled) == {"2", "3"}
    assert "only enlarge four times" in disabled["2"]
    assert sr["blocked_reasons"] == [disabled["2"]]


def test_the_rules_for_the_page_script_carry_the_reason_in_the_readers_language():
    with translation.override("ko"):
        waifu2x = _model(panel_types(EVERYTHING_RUNS), "2dsr", "waifu2x")
    rules = json.loads(waifu2x["impossible_json"])
    assert {"when": {"style": ["photo"], "scale": ["1"]}, "reason": rules[0]["reason"]} == rules[0]
    assert {"when": {"scale": ["1"], "noise": ["-1"]}, "reason": rules[1]["reason"]} == rules[1]
    assert "1배 모델이 없습니다" in rules[0]["reason"]


def test_value_labels_and_help_are_translated():
    with translation.override("ko"):
        waifu2x = _model(panel_types(EVERYTHING_RUNS), "2dsr", "waifu2x")
    style, _scale, noise = waifu2x["fields"]
    assert [v["label"] for v in style["values"]] == ["그림", "사진"]
    assert [v["label"] for v in noise["values"]][:2] == ["없음", "가장 약하게"]


def test_an_option_the_kind_rules_out_is_not_shown():
    from enhance.choices import _may_apply
    from enhance.engine.catalog.spec import Choice, Option

    types = panel_types(EVERYTHING_RUNS)
    for kind in ("restore", "restore_scratches"):  # the kind fixes scratches; hr and faces stay open
        assert [f["name"] for f in _model(types, kind, "bopb")["fields"]] == ["hr", "faces"]
    only_with_scratches = Option("detail", "Detail", (Choice(1, "1"),), 1, applies_when={"scratches": (True,)})
    assert not _may_apply(only_with_scratches, {"scratches": False})
    assert _may_apply(only_with_scratches, {"scratches": True}) and _may_apply(only_with_scratches, {})


def test_an_unavailable_model_is_marked_and_its_kind_runs_the_other():
    down = (False, "run: python manage.py import_weights builtin")
    types = panel_types({**EVERYTHING_RUNS, "realsr": down, "realesrgan": down})  # both SR models
    sr = _kind(types, "sr")
    assert not sr["available"] and "import_weights" in sr["reason"]


def test_an_unavailable_model_leaves_its_kind_to_the_others(with_realesrgan):
    types = panel_types({**EVERYTHING_RUNS, "realsr": (False, "missing")})
    sr = _kind(types, "sr")
    assert sr["available"] and sr["default_model"] == "realesrgan"


@pytest.mark.parametrize(("data", "expected"), [
    ({"type": "sr"}, ("realsr", {})),
    ({"type": "2dsr", "style": "photo", "scale": "4", "noise": "3"},
     ("waifu2x", {"style": "photo", "scale": "4", "noise": "3"})),
    ({"type": "restore", "scratches": "true"}, ("bopb", {"scratches": False})),  # the kind's preset wins
    ({"type": "restore_scratches", "hr": "true"}, ("bopb", {"hr": "true", "scratches": True})),
])
def test_the_form_names_a_kind_a_model_and_options(data, expected):
    assert model_and_options(data) == expected


def test_the_form_may_name_the_model_of_a_kind(with_realesrgan):
    assert model_and_options({"type": "2dsr", "model": "realesrgan", "scale": "4"}) == (
        "realesrgan", {"scale": "4", "variant": "x4plus-anime"})
    with pytest.raises(services.SubmitRefused, match="runs one of: waifu2x, realesrgan"):
        model_and_options({"type": "2dsr", "model": "realsr"})


def test_the_photo_page_renders_every_models_widgets(owner_client, photo):
    html = owner_client.get(reverse("photo_detail", args=[photo.pk])).content.decode()
    assert 'id="enhance-2dsr-waifu2x-noise" name="noise"' in html
    assert '<option value="-1"' in html and ">None</option>" in html  # value labels, not raw values
    assert re.search(r'data-model-options="waifu2x"\s+data-preset="{}"\s+data-impossible="\[{&quot;when', html)


def test_the_batch_form_offers_the_same_kinds_and_marks_unavailable_models(owner_client, album, photo,
                                                                           monkeypatch):
    monkeypatch.setattr("enhance.choices.availability_table", lambda: {
        **EVERYTHING_RUNS, "bopb": (False, "run: python manage.py fetch_weights bopb")})
    page = owner_client.get(reverse("enhance:my_jobs")).content.decode()
    batch = page[page.index("data-batch-form") :]
    batch = batch[: batch.index("</form>")]
    assert '<option value="none"' not in batch
    assert re.search(r'<option value="restore"\s+disabled', batch)
    assert "Old photo restoration: run: python manage.py fetch_weights bopb" in batch
    assert 'id="batch-2dsr-waifu2x-scale"' in batch


def test_a_batch_runs_the_chosen_options(owner_client, owner, album, photo):
    response = owner_client.post(reverse("enhance:submit_batch"),
                                 {"album": album.pk, "type": "2dsr", "model": "waifu2x", "scale": "4", "noise": "2"},
                                 **JSON)
    assert response.status_code == 202
    assert Job.objects.get(photo=photo).options == {"style": "art", "scale": 4, "noise": 2}


def test_a_bad_option_is_refused_in_the_readers_language(owner_client, photo):
    with translation.override("ko"):
        response = owner_client.post(reverse("enhance:submit", args=[photo.pk]),
                                     {"type": "2dsr", "style": "photo", "scale": "1"},
                                     HTTP_ACCEPT_LANGUAGE="ko", **JSON)
    assert response.status_code == 400
    assert "1배 모델이 없습니다" in response.json()["error"]


def test_job_labels_name_the_kind_and_the_model(owner, photo):
    labels = {
        ("realsr", ()): "SR (RealSR)",
        ("waifu2x", (("style", "art"), ("scale", 2), ("noise", 0))): "2D SR (waifu2x)",
        ("bopb", (("scratches", True), ("hr", False))): "Restoration w/ scratches (Old photo restoration)",
        ("bopb", (("scratches", False), ("hr", False))): "Restoration w/o scratches (Old photo restoration)",
    }
    for (model, options), label in labels.items():
        assert Job(owner=owner, photo=photo, model=model, options=dict(options)).model_label == label


def test_a_job_for_a_model_outside_the_catalogue_does_not_validate(owner, photo):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="Unknown model"):
        Job(owner=owner, photo=photo, model="gfpgan").full_clean()
    Job(owner=owner, photo=photo, model="realsr").full_clean()


def test_a_jobs_options_are_summarised_from_its_spec(owner, photo):
    job = Job(owner=owner, photo=photo, model="waifu2x", options={"style": "photo", "scale": 4, "noise": -1})
    assert job.options_label == "Style: Photo · Scale: 4x · Noise reduction: None"
    with translation.override("ko"):
        assert job.options_label == "스타일: 사진 · 배율: 4배 · 노이즈 제거: 없음"
    restoration = Job(owner=owner, photo=photo, model="bopb", options={"scratches": False, "hr": False})
    assert restoration.options_label == "High-resolution mode: No"  # the kind label says scratches

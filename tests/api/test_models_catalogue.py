"""models/ is the engine's catalogue in the request's language: labels, summaries, options with
their value labels, impossible combinations with the reason, and the kinds each model serves.
Fields were only added: the original ones (id, label, available, reason, allowed_by_plan,
options[name, label, choices, default, help]) keep their names and meaning."""

ORIGINAL_MODEL_FIELDS = {"id", "label", "available", "reason", "allowed_by_plan", "options"}
ORIGINAL_OPTION_FIELDS = {"name", "label", "choices", "default", "help"}


def _models(client, language="en"):
    response = client.get("/api/v1/models/", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return {m["id"]: m for m in response.json()}


def test_the_original_fields_are_kept(owner_api):
    for model in _models(owner_api).values():
        assert set(model) >= ORIGINAL_MODEL_FIELDS
        for option in model["options"]:
            assert set(option) >= ORIGINAL_OPTION_FIELDS


def test_options_carry_value_labels_and_impossible_combinations(owner_api):
    waifu2x = _models(owner_api)["waifu2x"]
    assert waifu2x["summary"].startswith("Upscaling and JPEG noise removal")
    noise = next(o for o in waifu2x["options"] if o["name"] == "noise")
    assert noise["values"][0] == {"value": -1, "label": "None", "help": ""}
    assert noise["kind"] == "choice" and noise["applies_when"] == {}
    assert waifu2x["impossible"][0]["when"] == {"style": ["photo"], "scale": [1]}
    assert "no 1x model" in waifu2x["impossible"][0]["reason"]
    assert waifu2x["uses"] == [{"kind": "2dsr", "label": "2D SR", "preset": {}}]


def test_kinds_and_option_dependencies_of_restoration(owner_api):
    bopb = _models(owner_api)["bopb"]
    assert [use["kind"] for use in bopb["uses"]] == ["restore", "restore_scratches"]
    assert bopb["uses"][1]["preset"] == {"scratches": True}
    hr = next(o for o in bopb["options"] if o["name"] == "hr")
    # hr also sets the face size (512 x 512), so it applies with or without scratch repair
    assert hr["kind"] == "bool" and hr["applies_when"] == {}
    faces = next(o for o in bopb["options"] if o["name"] == "faces")
    assert [v["value"] for v in faces["values"]] == [None, True, False] and faces["default"] is None


def test_everything_people_read_is_in_the_requests_language(owner_api):
    models = _models(owner_api, "ko")
    waifu2x = models["waifu2x"]
    assert models["bopb"]["label"] == "오래된 사진 복원"
    style = next(o for o in waifu2x["options"] if o["name"] == "style")
    assert (style["label"], [v["label"] for v in style["values"]]) == ("스타일", ["그림", "사진"])
    assert "1배 모델이 없습니다" in waifu2x["impossible"][0]["reason"]
    assert waifu2x["uses"][0]["label"] == "2D 초해상도"


def test_a_bad_option_is_refused_with_the_reason_in_the_requests_language(owner_api, photo):
    response = owner_api.post("/api/v1/jobs/", {"photo": photo.pk, "model": "waifu2x",
                                                "options": {"style": "photo", "scale": 1}},
                              format="json", HTTP_ACCEPT_LANGUAGE="ko")
    assert response.status_code == 400
    assert "1배 모델이 없습니다" in str(response.json())


def test_an_unknown_model_is_refused_naming_the_catalogue(owner_api, photo):
    response = owner_api.post("/api/v1/jobs/", {"photo": photo.pk, "model": "gfpgan"}, format="json")
    assert response.status_code == 400
    assert "gfpgan" in str(response.json()) and "realsr" in str(response.json())

"""Every 4xx of the API has one shape: {"error": {"code", "message"[, "fields"]}}."""

import pytest

pytestmark = pytest.mark.django_db


def test_unknown_api_path_is_a_json_404(owner_api):
    response = owner_api.get("/api/v1/nothing-here/")
    assert response.status_code == 404
    assert response.json() == {"error": {"code": "not_found", "message": "There is no API endpoint at this address."}}


def test_non_numeric_ids_are_404_not_500(owner_api):
    response = owner_api.get("/api/v1/photos/abc/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_missing_object_is_a_json_404(owner_api):
    response = owner_api.get("/api/v1/photos/999999/")
    assert response.status_code == 404
    assert response.json() == {"error": {"code": "not_found", "message": "Nothing with this id among yours."}}


def test_a_path_without_its_trailing_slash_is_redirected_keeping_the_method(owner_api, job):
    response = owner_api.post(f"/api/v1/jobs/{job.pk}/cancel")
    assert response.status_code == 308
    assert response["Location"] == f"/api/v1/jobs/{job.pk}/cancel/"
    followed = owner_api.get(f"/api/v1/jobs/{job.pk}/result?format=png")
    assert followed["Location"] == f"/api/v1/jobs/{job.pk}/result/?format=png"


def test_wrong_method(owner_api):
    response = owner_api.delete("/api/v1/me/")
    assert response.status_code == 405
    assert response.json()["error"] == {"code": "method_not_allowed", "message": 'Method "DELETE" not allowed.'}


def test_malformed_json(owner_api):
    response = owner_api.generic("POST", "/api/v1/albums/", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "parse_error"


def test_unsupported_body_type(owner_api):
    response = owner_api.generic("POST", "/api/v1/albums/", "name=x", content_type="text/plain")
    assert response.status_code == 415
    assert response.json()["error"]["code"] == "unsupported_media_type"


def test_validation_errors_name_each_field(owner_api):
    response = owner_api.post("/api/v1/jobs/", {"model": ""}, format="json")
    error = response.json()["error"]
    assert response.status_code == 400
    assert set(error["fields"]) == {"photo", "model"}
    assert error["message"].startswith("photo: ")


def test_every_error_code_is_one_the_schema_lists(owner_api):
    from restoreapp.api_error_codes import ERROR_CODES

    # DRF's own field codes (max_length, invalid_choice ...) become `invalid`; `fields` has the detail.
    too_long = owner_api.post("/api/v1/albums/", {"name": "x" * 500}, format="json").json()["error"]
    assert too_long["code"] == "invalid" and too_long["fields"]["name"]
    missing = owner_api.post("/api/v1/albums/", {}, format="json").json()["error"]
    assert missing["code"] == "required"
    bad_choice = owner_api.get("/api/v1/jobs/", {"status": "done"}).json()["error"]
    assert bad_choice["code"] == "invalid"
    for error in (too_long, missing, bad_choice):
        assert error["code"] in ERROR_CODES

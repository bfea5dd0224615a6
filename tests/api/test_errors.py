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

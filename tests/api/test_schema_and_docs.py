"""The OpenAPI schema is valid and complete; the Swagger UI works without the internet."""

import re

import pytest
import yaml
from django.contrib.staticfiles import finders
from django.core.management import call_command

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def schema(tmp_path_factory):
    path = tmp_path_factory.mktemp("schema") / "openapi.yaml"
    # --fail-on-warn: an under-specified field or parameter fails the build.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(path))
    return yaml.safe_load(path.read_text())


def _operations(schema):
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            yield path, method, operation


def test_every_operation_documents_its_bodies_errors_and_auth(schema):
    public = {("/api/v1/auth/register/", "post"), ("/api/v1/auth/token/", "post")}
    error_ref = {"$ref": "#/components/schemas/Error"}
    for path, method, operation in _operations(schema):
        where = f"{method.upper()} {path}"
        responses = operation["responses"]
        assert any(code.startswith("2") for code in responses), where
        errors = [code for code in responses if code.startswith("4")]
        assert errors, where
        for code in errors:
            assert responses[code]["content"]["application/json"]["schema"] == error_ref, (where, code)
        if method in ("post", "put", "patch") and (path, method) not in public and "cancel" not in path:
            assert operation.get("requestBody"), where
        if (path, method) in public:
            assert operation["security"] == [], where  # takes no credentials (and ignores any sent)
        else:
            assert {} not in operation["security"], where
            assert {"knoxApiToken": []} in operation["security"], where
            assert "401" in responses, where
        if "{id}" in path:
            assert "404" in responses, where


def test_uploads_and_downloads_are_described_as_files(schema):
    upload = schema["paths"]["/api/v1/photos/"]["post"]["requestBody"]["content"]
    assert list(upload) == ["multipart/form-data"]
    result = schema["paths"]["/api/v1/jobs/{id}/result/"]["get"]["responses"]["200"]["content"]
    assert set(result) == {"image/png", "image/jpeg", "image/webp"}
    assert "429" in schema["paths"]["/api/v1/photos/"]["post"]["responses"]
    assert "402" in schema["paths"]["/api/v1/jobs/"]["post"]["responses"]
    assert "202" in schema["paths"]["/api/v1/jobs/"]["post"]["responses"]


def test_swagger_ui_is_served_from_our_own_static_files(client):
    page = client.get("/api/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    assets = re.findall(r'<(?:script|link)[^>]*(?:src|href)="([^"]+)"', html)
    assert assets
    for asset in assets:
        assert asset.startswith("/static/drf_spectacular_sidecar/"), asset
        assert finders.find(asset.removeprefix("/static/")), asset
    assert "/api/schema/" in html
    # Both formats are linked for code generators.
    assert 'href="/api/schema/?format=json"' in html
    assert 'href="/api/schema/?format=yaml"' in html

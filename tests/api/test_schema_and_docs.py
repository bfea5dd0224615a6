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
    # The start-up script comes from the page's own URL (?script): no inline script, for the CSP.
    script = [asset for asset in assets if asset.startswith("/api/docs/?script")]
    assert len(script) == 1 and "<script>" not in html and "<style>" not in html
    for asset in set(assets) - set(script):
        assert asset.startswith("/static/"), asset
        assert finders.find(asset.removeprefix("/static/")), asset
    startup = client.get(script[0].replace("&amp;", "&"))
    assert startup.status_code == 200 and "javascript" in startup["Content-Type"]
    assert "/api/schema/" in startup.content.decode()
    # Both formats are linked for code generators.
    assert 'href="/api/schema/?format=json"' in html
    assert 'href="/api/schema/?format=yaml"' in html


@pytest.mark.parametrize(
    ("query", "accept", "content_type"),
    [
        ({"format": "json"}, None, "application/vnd.oai.openapi+json"),
        ({"format": "yaml"}, None, "application/vnd.oai.openapi"),
        ({}, "application/vnd.oai.openapi+json", "application/vnd.oai.openapi+json"),
        ({}, None, "application/vnd.oai.openapi"),
    ],
)
def test_the_schema_comes_as_json_or_yaml_by_query_or_accept(client, query, accept, content_type):
    import json

    headers = {"HTTP_ACCEPT": accept} if accept else {}
    response = client.get("/api/schema/", query, **headers)
    assert response.status_code == 200
    assert response["Content-Type"].startswith(content_type)
    text = response.content.decode()
    document = json.loads(text) if content_type.endswith("json") else yaml.safe_load(text)
    assert document["openapi"].startswith("3.")
    if content_type.endswith("json"):
        assert text.lstrip().startswith("{")


def test_an_unknown_schema_format_is_a_clear_404(client):
    response = client.get("/api/schema/", {"format": "xml"})
    assert response.status_code == 404
    assert "format=json" in response.json()["error"]["message"]


def test_clients_are_told_the_token_prefix(schema):
    scheme = schema["components"]["securitySchemes"]["knoxApiToken"]
    assert (scheme["type"], scheme["in"], scheme["name"]) == ("apiKey", "header", "Authorization")
    assert "Authorization: Token <token>" in scheme["description"]


def test_response_headers_clients_read_are_declared(schema):
    paths = schema["paths"]
    for path, status in (("/api/v1/photos/", "201"), ("/api/v1/jobs/", "202")):
        header = paths[path]["post"]["responses"][status]["headers"]["Location"]
        assert header["required"] and header["schema"]["format"] == "uri"
    for path, method, operation in _operations(schema):
        responses = operation["responses"]
        if "429" in responses:
            assert responses["429"]["headers"]["Retry-After"]["schema"]["type"] == "integer", (method, path)
        binary = any(media.startswith("image/") for media in responses.get("200", {}).get("content", {}))
        if binary:
            assert "Content-Disposition" in responses["200"]["headers"], (method, path)
            assert "Location" in responses["302"]["headers"], (method, path)
    assert "429" in paths["/api/v1/auth/token/"]["post"]["responses"]


def test_closed_value_sets_are_enums_and_always_sent_fields_are_required(schema):
    from enhance.engine.catalog import model_ids
    from enhance.engine.context import PRECISIONS
    from restoreapp.api_error_codes import ERROR_CODES

    components = schema["components"]["schemas"]

    def enum_of(component: str, field: str) -> str:
        prop = components[component]["properties"][field]
        [ref] = [prop] if "$ref" in prop else prop["allOf"]
        return ref["$ref"].rsplit("/", 1)[-1]

    assert components["ModelIdEnum"]["enum"] == list(model_ids())
    for component, field in (("JobCreateRequest", "model"), ("Job", "model"), ("ModelInfo", "id")):
        assert enum_of(component, field) == "ModelIdEnum", (component, field)
    assert components["ErrorCodeEnum"]["enum"] == list(ERROR_CODES)
    assert enum_of("ErrorDetail", "code") == "ErrorCodeEnum"
    assert enum_of("Photo", "format") == "PhotoFormatEnum"
    assert components["PhotoFormatEnum"]["enum"] == ["JPEG", "PNG", "WEBP"]
    assert components["DeviceEnum"]["enum"] == ["cpu", "cuda"]
    assert components["PrecisionEnum"]["enum"] == list(PRECISIONS)
    assert {"album", "title", "format"} <= set(components["Photo"]["required"])
    assert set(components["Job"]["properties"]) == set(components["Job"]["required"])

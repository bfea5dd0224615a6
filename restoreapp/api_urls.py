"""Everything under /api/: version 1 of the REST API, its OpenAPI schema and the Swagger UI."""

from django.urls import include, path, re_path

from restoreapp.api_errors import api_not_found
from restoreapp.api_schema_view import SchemaView, SwaggerView

v1 = [
    path("", include("accounts.api.urls")),
    path("", include("albums.api.urls")),
    path("", include("enhance.api.urls")),
]

urlpatterns = [
    path("v1/", include(v1)),
    path("schema/", SchemaView.as_view(), name="api_schema"),
    path("docs/", SwaggerView.as_view(url_name="api_schema"), name="api_docs"),
    # Last: unknown API paths answer in the API's error format, not with an HTML page.
    re_path(r"^[\s\S]*$", api_not_found),  # [\s\S]: paths may contain newlines
]

"""The schema endpoint: `?format=json|yaml` picks the format, as most generator docs expect.

The API turns DRF's `?format=` switch off everywhere (jobs/{id}/result uses `format` for the
image format), so the schema view reads it itself; the Accept header still works too.
"""

from django.utils.translation import gettext as _
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.exceptions import NotFound
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import JSONRenderer

SCHEMA_FORMATS = ("json", "yaml")


class _FormatParameterNegotiation(DefaultContentNegotiation):
    def select_renderer(self, request, renderers, format_suffix=None):
        wanted = format_suffix or request.query_params.get("format")
        if wanted is not None and wanted not in SCHEMA_FORMATS:
            raise NotFound(_("The schema comes as ?format=json or ?format=yaml."))
        return super().select_renderer(request, renderers, format_suffix=wanted)


class SchemaView(SpectacularAPIView):
    content_negotiation_class = _FormatParameterNegotiation

    def perform_content_negotiation(self, request, force=False):
        if force:  # only for an error answer: the API's JSON error body, not YAML
            renderer = JSONRenderer()
            return renderer, renderer.media_type
        return super().perform_content_negotiation(request, force)


class SwaggerView(SpectacularSwaggerSplitView):
    """The split view serves its start-up script from ?script: no inline script (CSP)."""

    template_name = "api/swagger_ui.html"

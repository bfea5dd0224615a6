"""OpenAPI helpers shared by every API view: the error body and the errors each operation can answer.

The AutoSchema adds the errors that follow from how a view is built (authentication,
a path parameter, a request body, pagination, a throttle) so that no operation forgets
one and the schema lists every status the API really sends; views add the errors only
they know about (402, 409, 413 ...) with `errors(...)`.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework import permissions, serializers

ERROR_DESCRIPTIONS = {
    400: _("The request is invalid; `error.message` says why and `error.fields` which input."),
    401: _("No valid token or session was given."),
    402: _("Your plan does not allow this; upgrade to continue."),
    403: _("Not allowed (for session authentication: the CSRF token is missing)."),
    404: _("Not found, or not yours."),
    409: _("The resource is not in a state that allows this."),
    413: _("The upload is too large."),
    415: _("The file or the request body is of a type the API does not accept."),
    429: _("Too many requests; retry after the number of seconds in `Retry-After`."),
    503: _("The server could not do this right now; `error.message` says what to try instead."),
}


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField(help_text=_("Stable machine-readable code, e.g. `not_found`, `throttled`."))
    message = serializers.CharField(help_text=_("A sentence a person can read."))
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text=_("For validation errors: messages per request field."),
    )
    upgrade_url = serializers.CharField(
        required=False, help_text=_("For 402: where the user can upgrade their plan.")
    )


class ErrorSerializer(serializers.Serializer):
    error = ErrorDetailSerializer()


def errors(*statuses: int) -> dict:
    """`responses` entries for extend_schema: one documented error body per status."""
    return {status: OpenApiResponse(ErrorSerializer, description=ERROR_DESCRIPTIONS[status]) for status in statuses}


class ApiAutoSchema(AutoSchema):
    def _implied_errors(self) -> set[int]:
        view = self.view
        implied = set()
        needs_auth = not all(p is permissions.AllowAny for p in view.permission_classes)
        if needs_auth:
            implied |= {401, 403}
        if self.method in ("POST", "PUT", "PATCH"):
            implied |= {400, 415}
        if "{" in self.path:
            implied.add(404)
        if self._is_list_view() and self._get_paginator():
            implied |= {400, 404}  # a bad filter value; a page past the end
        if self.get_filter_backends() or getattr(view, "query_serializer_for_schema", None):
            implied.add(400)
        action_throttled = getattr(view, "throttled_actions", ())
        if getattr(view, "action", None) in action_throttled or self.method in getattr(view, "throttled_methods", ()):
            implied.add(429)
        return implied

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for status, response in errors(*sorted(self._implied_errors())).items():
            key = str(status)
            if key not in responses:
                responses[key] = self._get_response_for_code(response, key, direction=direction)
        return responses

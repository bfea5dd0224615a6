"""OpenAPI helpers shared by every API view: the error body and the errors each operation can answer.

The AutoSchema adds the errors that follow from how a view is built (authentication,
a path parameter, a request body, pagination, a throttle) so that no operation forgets
one and the schema lists every status the API really sends; views add the errors only
they know about (402, 409, 413 ...) with `errors(...)`.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework import permissions, serializers

from restoreapp.api_error_codes import ERROR_CODES

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
    code = serializers.ChoiceField(
        choices=ERROR_CODES,
        help_text=_("Stable machine-readable code, e.g. `not_found`, `throttled`."),
    )
    message = serializers.CharField(help_text=_("A sentence a person can read."))
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text=_("For validation errors: messages per request field."),
    )
    upgrade_url = serializers.URLField(
        required=False, help_text=_("For 402: where the user can upgrade their plan.")
    )


class ErrorSerializer(serializers.Serializer):
    error = ErrorDetailSerializer()


def errors(*statuses: int) -> dict:
    """`responses` entries for extend_schema: one documented error body per status."""
    return {status: OpenApiResponse(ErrorSerializer, description=ERROR_DESCRIPTIONS[status]) for status in statuses}


class TokenScheme(KnoxTokenScheme):
    """knox's scheme, saying the prefix where generators look: most default to `Bearer`."""

    target_class = "accounts.api.auth.TokenAuthentication"
    priority = 1

    def get_security_definition(self, auto_schema):
        definition = super().get_security_definition(auto_schema)
        definition["description"] = (
            "Send `Authorization: Token <token>`: the word `Token`, a space, then the token that "
            "auth/register/ or auth/token/ returned. Not `Bearer`."
        )
        return definition


# Response headers a client reads; declared so that generated clients expose them.
_HEADER_SCHEMAS = {
    "Location": {"schema": {"type": "string", "format": "uri"}, "required": True},
    "Retry-After": {"schema": {"type": "integer", "minimum": 1}, "required": True,
                    "description": "Seconds to wait before trying again."},
    "Content-Disposition": {"schema": {"type": "string"}, "required": True,
                            "description": "`attachment` or `inline`, with the file name."},
}


class ApiAutoSchema(AutoSchema):
    def get_auth(self):
        # Register and login take no credentials and ignore any sent: `security: []`, not the
        # `[{}]` ("optional token") that AllowAny would give.
        if not self.view.get_authenticators():
            return []
        return super().get_auth()

    def get_operation(self, *args, **kwargs):
        operation = super().get_operation(*args, **kwargs)
        if operation is not None and "security" not in operation:
            operation["security"] = []
        return operation

    def _get_response_headers_for_code(self, status_code, direction="response"):
        headers = super()._get_response_headers_for_code(status_code, direction)
        view = self.view
        names = []
        if status_code in ("201", "202") and getattr(view, "action", None) in getattr(view, "location_actions", ()):
            names.append(("Location", "The new object's address; GET it for its current state."))
        if status_code == "302":
            names.append(("Location", "A short-lived signed URL of the file."))
        if status_code == "429":
            names.append(("Retry-After", None))
        if status_code == "200" and getattr(view, "action", None) in getattr(view, "binary_actions", ()):
            names.append(("Content-Disposition", None))
        for name, description in names:
            header = dict(_HEADER_SCHEMAS[name])
            if description:
                header["description"] = description
            headers.setdefault(name, header)
        return headers

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

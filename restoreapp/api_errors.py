"""One error format for every 4xx the API returns: {"error": {"code": ..., "message": ...}}.

Validation errors also carry `fields` (field name -> list of messages) so a client can put
each message next to its input. The DRF exception handler covers everything raised inside an
API view; `api_not_found` answers API paths that match no route (Django's own 404 page is
HTML and would break clients that always parse JSON).
"""

import logging

from django.core.exceptions import PermissionDenied, RequestDataTooBig, SuspiciousOperation
from django.http import Http404, HttpResponsePermanentRedirect, JsonResponse
from django.urls import Resolver404, resolve
from django.utils.translation import gettext as _
from django.views import defaults
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import set_rollback

from albums.uploads import is_out_of_space, out_of_space
from restoreapp.api_error_codes import known_code

logger = logging.getLogger("restoreapp.api")


class ApiError(exceptions.APIException):
    """A refusal with its own status and code, e.g. an upload refused by ingest_photo (413/415)."""

    def __init__(self, message: str, *, status_code: int = 400, code: str = "invalid", upgrade_url: str = ""):
        self.status_code = status_code
        self.upgrade_url = upgrade_url
        super().__init__(detail=message, code=code)


# Codes clients can switch on; DRF's own codes are kept where they are already meaningful.
_CODES_BY_STATUS = {
    400: "invalid",
    401: "not_authenticated",
    402: "payment_required",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    429: "throttled",
    500: "server_error",
    507: "insufficient_storage",
}


def error_body(code: str, message: str, fields: dict | None = None, upgrade_url: str = "") -> dict:
    error = {"code": code, "message": message}
    if fields:
        error["fields"] = fields
    if upgrade_url:
        error["upgrade_url"] = upgrade_url
    return {"error": error}


def _flatten_messages(detail) -> list[str]:
    if isinstance(detail, dict):
        return [m for value in detail.values() for m in _flatten_messages(value)]
    if isinstance(detail, list):
        return [m for item in detail for m in _flatten_messages(item)]
    return [str(detail)]


def _field_messages(detail: dict) -> dict:
    return {name: _flatten_messages(value) for name, value in detail.items()}


def _first_code(detail) -> str | None:
    if isinstance(detail, dict):
        detail = next(iter(detail.values()), None)
    if isinstance(detail, list):
        detail = detail[0] if detail else None
    if isinstance(detail, dict | list):
        return _first_code(detail)
    return getattr(detail, "code", None)


def _validation_body(exc: exceptions.ValidationError) -> dict:
    detail = exc.detail
    if isinstance(detail, dict):
        fields = _field_messages(detail)
        non_field = fields.pop("non_field_errors", [])
        parts = non_field + [f"{name}: {' '.join(msgs)}" for name, msgs in fields.items()]
        return error_body(_first_code(detail) or "invalid", " ".join(parts), fields or None)
    return error_body(_first_code(detail) or "invalid", " ".join(_flatten_messages(detail)))


def _as_api_exception(exc):
    """Django's own exceptions, raised inside an API view, in DRF's terms."""
    if isinstance(exc, Http404):
        # Raised by get_object(): the id is unknown or someone else's; the two look the same.
        return exceptions.NotFound(_("Nothing with this id among yours."))
    if isinstance(exc, PermissionDenied):
        return exceptions.PermissionDenied()
    if isinstance(exc, RequestDataTooBig):
        return ApiError(_("The request body is too large."), status_code=413, code="too_large")
    if isinstance(exc, SuspiciousOperation):
        return ApiError(_("The request could not be understood."), status_code=400, code="bad_request")
    if is_out_of_space(exc):
        refusal = out_of_space()
        return ApiError(refusal.message, status_code=refusal.status, code="insufficient_storage")
    return exc


def _server_error_body() -> dict:
    return error_body("server_error", _("Something went wrong on our side. Please try again later."))


def exception_handler(exc, context):
    """REST_FRAMEWORK['EXCEPTION_HANDLER']: every API error in one shape."""
    exc = _as_api_exception(exc)
    if not isinstance(exc, exceptions.APIException):
        # A real bug or an outage: logged with its traceback, answered in the API's format
        # (clients always parse JSON), never as Django's HTML page.
        logger.exception("unhandled error in %s", context.get("view").__class__.__name__, exc_info=exc)
        set_rollback()
        return Response(_server_error_body(), status=status.HTTP_500_INTERNAL_SERVER_ERROR)

    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None) is not None:
        headers["Retry-After"] = str(max(1, int(exc.wait + 0.999)))

    if isinstance(exc, exceptions.ValidationError):
        body = _validation_body(exc)
    else:
        detail = exc.detail
        code = _first_code(detail) or _CODES_BY_STATUS.get(exc.status_code, "error")
        message = " ".join(_flatten_messages(detail))
        body = error_body(code, message, upgrade_url=getattr(exc, "upgrade_url", ""))

    body["error"]["code"] = known_code(body["error"]["code"], _CODES_BY_STATUS.get(exc.status_code, "error"))
    set_rollback()
    return Response(body, status=exc.status_code, headers=headers)


def server_error(request, *args, **kwargs):
    """handler500: an error outside any API view (a middleware, the URL resolver) on an API
    path is still answered in the API's JSON format; other paths get the 500 page."""
    if request.path.startswith("/api/"):
        return JsonResponse(_server_error_body(), status=status.HTTP_500_INTERNAL_SERVER_ERROR)
    return defaults.server_error(request, *args, **kwargs)


@csrf_exempt  # it changes nothing; a CSRF refusal here would be an HTML page
def api_not_found(request, *args, **kwargs):
    """The last route under /api/: unknown API paths get the API's 404, not an HTML page.

    A known path typed without its trailing slash is redirected with 308, which keeps the
    method and the body (this route would otherwise shadow Django's APPEND_SLASH)."""
    if not request.path.endswith("/"):
        try:
            match = resolve(request.path + "/")
        except Resolver404:
            match = None
        if match is not None and match.func is not api_not_found:
            query = request.META.get("QUERY_STRING", "")
            target = request.path + "/" + (f"?{query}" if query else "")
            return HttpResponsePermanentRedirect(target, preserve_request=True)
    return JsonResponse(
        error_body("not_found", _("There is no API endpoint at this address.")),
        status=status.HTTP_404_NOT_FOUND,
    )

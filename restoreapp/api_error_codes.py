"""Every `error.code` the API sends. The schema declares them as an enum, and generated clients
refuse a value outside it, so the exception handler maps any other code (a DRF field code such
as `max_length`, or one added without updating this list) to the status's general code."""

ERROR_CODES = (
    # one per status (restoreapp.api_errors._CODES_BY_STATUS and DRF's own exceptions)
    "invalid",
    "bad_request",
    "parse_error",
    "not_authenticated",
    "authentication_failed",
    "payment_required",
    "permission_denied",
    "not_found",
    "method_not_allowed",
    "not_acceptable",
    "conflict",
    "too_large",
    "unsupported_media_type",
    "throttled",
    "error",
    # validation errors a client may want to tell apart (the rest are `invalid`)
    "required",
    "blank",
    "does_not_exist",
    "email_taken",
    "password_invalid",
    "invalid_credentials",
    "invalid_image",
    # refusals of this API
    "refused",
    "no_token",
    "email_unverified",
    "already_finished",
    "no_result",
)


def known_code(code: str | None, fallback: str) -> str:
    return code if code in ERROR_CODES else fallback

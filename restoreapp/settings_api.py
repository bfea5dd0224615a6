"""The REST API's settings (DRF, knox tokens, the OpenAPI schema), kept apart from the
site's settings; restoreapp.settings imports them."""

from datetime import timedelta

from restoreapp.env import env_int, env_str

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "restoreapp.api_schema.ApiAutoSchema",
    # Tokens for mobile clients (stored hashed by knox); sessions for the site's own JavaScript.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.api.auth.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # JSON bodies only: form encodings cannot carry nested objects (a job's `options`), and a
    # schema offering them makes generated clients send every body as multipart. The photo
    # upload alone takes multipart/form-data (albums/api/views.py).
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "restoreapp.api_pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "restoreapp.api_errors.exception_handler",
    # Per-user limits on the two expensive actions; quotas per month are billing's business.
    "DEFAULT_THROTTLE_RATES": {
        "uploads": env_str("API_UPLOAD_RATE", "120/hour"),
        "job_submissions": env_str("API_JOB_RATE", "120/hour"),
    },
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    # `?format=` belongs to jobs/{id}/result (the image format), not to DRF's renderer choice.
    "URL_FORMAT_OVERRIDE": None,
}
REST_KNOX = {
    "TOKEN_TTL": timedelta(days=env_int("API_TOKEN_TTL_DAYS", 30)),
    # Sliding expiry: a token in use keeps working; an abandoned one dies after TOKEN_TTL.
    "AUTO_REFRESH": True,
    "MIN_REFRESH_INTERVAL": 3600,
    # Each login makes a token; beyond this many the oldest are revoked (accounts/api/views.py).
    "TOKEN_LIMIT_PER_USER": 20,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Restore API",
    "DESCRIPTION": "Photo restoration for mobile clients. Walkthrough: docs/api.md.",
    "VERSION": "1.0.0",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    # One component per closed value set, named for what it is (generated clients' type names).
    "ENUM_NAME_OVERRIDES": {
        "ModelIdEnum": "enhance.api.choices.model_ids",
        "ErrorCodeEnum": "restoreapp.api_error_codes.ERROR_CODES",
        "PhotoFormatEnum": "albums.api.serializers.PHOTO_FORMATS",
    },
}

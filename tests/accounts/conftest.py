from tests.auth_defaults import _fast_password_hashing, _fresh_rate_limits  # noqa: F401  (autouse here)

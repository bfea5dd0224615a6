from tests.auth_defaults import _fast_password_hashing  # noqa: F401  (autouse here)

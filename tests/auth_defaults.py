"""Autouse fixtures for the suites that make and sign in many people (accounts, API,
albums). Their conftests import them, so they apply there and nowhere else."""

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """Rate-limit counters (allauth's and the API's) live in the cache: each test starts with a
    clean slate, so one test's attempts never spend another's budget."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Argon2 is slow on purpose; the test that checks the production hasher sets it back."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

"""Production-like settings pass Django's deployment checklist with no warning at all."""

import os
import secrets
import subprocess
import sys

from django.conf import settings


def _production_env(**overrides) -> dict:
    # Only what a production host would set: nothing from the test run (database, async escape hatch).
    dropped = ("DATABASE_URL", "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE")
    env = {key: value for key, value in os.environ.items() if key not in dropped}
    env.update(
        DJANGO_SETTINGS_MODULE="restoreapp.settings",
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="restore.example.com",
        SITE_URL="https://restore.example.com",
        RESTORE_VAR_DIR=overrides.pop("var_dir"),
    )
    env.update(overrides)
    return env


def _manage(*args, env) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_passes_at_warning_level(tmp_path):
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=_production_env(var_dir=str(tmp_path)))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    env = _production_env(var_dir=str(tmp_path))
    del env["SECRET_KEY"]
    result = _manage("check", env=env)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_check_deploy_really_fails_on_a_weak_key(tmp_path):
    """The check above can fail: a short key is a deploy warning."""
    env = _production_env(var_dir=str(tmp_path), SECRET_KEY="short")
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode != 0
    assert "security.W009" in result.stdout + result.stderr

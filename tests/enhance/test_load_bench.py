"""The load test must keep working: a very short run (2 users, a few seconds, a small library)
of `manage.py bench_load` against gunicorn, PostgreSQL and Redis, with no failed request, no
server error, and every endpoint of the mix answered."""

import json
import os
import subprocess
import sys

import pytest

from tests.enhance.stack import ROOT, postgres_answers

pytestmark = pytest.mark.slow

ENDPOINTS = {
    "API photos list", "API photo", "API albums list", "API jobs list", "API job (poll)", "API models", "API me",
    "page: library", "page: album", "page: photo", "page: My jobs", "page: notifications",
    "poll: jobs status.json", "poll: notifications unread.json",
}


@pytest.mark.skipif(not postgres_answers(), reason="the load test needs PostgreSQL on 127.0.0.1")
def test_a_short_load_runs_without_errors(tmp_path):
    report_path = tmp_path / "load.json"
    env = {key: value for key, value in os.environ.items() if not key.startswith(("PYTEST", "DATABASE_URL"))}
    command = [sys.executable, "manage.py", "bench_load", "--users", "2", "--seconds", "4", "--warmup", "0",
               "--accounts", "2", "--photos", "12", "--jobs", "30",
               "--database-prefix", f"restore_loadtest_{os.getpid()}", "--json", str(report_path)]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-5000:]
    report = json.loads(report_path.read_text())
    run = report["results"]["after"]["2"][0]
    assert run["total"]["requests"] > 20, run["total"]
    assert run["total"]["failures"] == 0
    assert report["server_errors"] == {"after": 0}
    assert {row["name"] for row in run["endpoints"]} == ENDPOINTS
    assert "| after | 2 |" in result.stdout  # the markdown summary

"""A web host has no weights and no GPU and must not pay torch's memory and start-up in every
gunicorn worker: a fresh interpreter with Django submits jobs and serves every page, API route
and admin page, and torch is never imported (model metadata comes from the torch-free
catalogue and the workers' capability records)."""

import json
import subprocess

import pytest

from tests.enhance.stack import PYTHON, ROOT, Stack

pytestmark = pytest.mark.slow


@pytest.fixture
def stack(tmp_path):
    # The web process gets no weights folder at all: nothing on its disk decides anything.
    running = Stack(tmp_path / "stack", database="sqlite", weights_dir=str(tmp_path / "no-weights-here"))
    try:
        running.create(photos=1, size=16)
        yield running
    finally:
        running.stop()


def test_every_page_and_api_route_is_served_without_importing_torch(stack):
    env = {**stack.env, "ALLOWED_HOSTS": "testserver,127.0.0.1,localhost"}
    result = subprocess.run([PYTHON, str(ROOT / "tests/enhance/web_without_torch.py")], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-6000:]
    report = json.loads(result.stdout.split("REPORT ", 1)[1])
    visits = report["visits"]
    assert report["heavy"] == [], report["heavy"]
    print(f"web process after {len(report['visits'])} requests: {report['rss_mb']} MB resident")
    assert [(url, code) for url, code in visits if code >= 500] == []
    assert len(visits) >= 80, visits
    # Submission decided from the announced worker's record: RealSR and waifu2x queued,
    # Restoration (no live worker has its weights) refused without an operator command.
    assert sorted(report["jobs"]) == [["realsr", "succeeded"], ["waifu2x", "queued"]]
    submits = [code for url, code in visits if url.startswith("POST")]
    assert submits == [202, 202, 400]
    ok = [url for url, code in visits if code == 200]
    for needed in ("GET /api/v1/models/", "GET /admin/enhance/job/dashboard/", "GET /jobs/"):
        assert needed in ok
    # Downloads in every format (page and API, default and named), the result view and the
    # viewer's full-size result.
    # (JPEG and WebP answer "preparing" until a worker has made them: 202, never a 5xx.)
    results = [code for url, code in visits if "/result/" in url]
    assert len(results) == 12 and set(results) <= {200, 202}, results

"""docs/examples/client.py against a real deployment: runserver + a qcluster worker running
the real waifu2x network (tests/enhance/stack.py), the client as a subprocess."""

import os
import subprocess
import sys

import pytest
from PIL import Image

from tests.enhance.stack import ROOT, Stack, postgres_answers

pytestmark = pytest.mark.slow


# The suite's PostgreSQL pass runs the deployment on PostgreSQL too.
DATABASE = "postgres" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "sqlite"


@pytest.fixture(scope="module")
def deployment(tmp_path_factory, shared_weights_dir):
    if DATABASE == "postgres" and not postgres_answers():
        pytest.skip("no PostgreSQL answers; set PG_ADMIN_URL to run this")
    running = Stack(tmp_path_factory.mktemp("stack"), database=DATABASE, weights_dir=shared_weights_dir)
    try:
        running.create(photos=0)
        running.start_web()
        running.start_cluster(workers=1)
        yield running
    finally:
        running.stop()


def _client(deployment, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "docs/examples/client.py", *args, "--base-url", deployment.base_url,
         "--email", "mobile@example.com", "--password", "a long passphrase 42"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )


def test_client_registers_uploads_runs_2d_sr_polls_and_downloads(deployment, tmp_path):
    source = tmp_path / "drawing.png"
    image = Image.new("RGB", (24, 16), (250, 240, 230))
    for x in range(24):
        image.putpixel((x, x % 16), (20, 20, 120))
    image.save(source)
    out = tmp_path / "drawing-2x.png"

    run = _client(deployment, str(source), "--out", str(out), "--scale", "2", "--noise", "1")
    assert run.returncode == 0, run.stdout + run.stderr + deployment.log("cluster")
    assert "registered mobile@example.com" in run.stdout
    assert "succeeded 100%" in run.stdout
    with Image.open(out) as result:
        assert (result.format, result.size) == ("PNG", (48, 32))
    assert not list(tmp_path.glob("*.part"))

    assert deployment.query("SELECT status, model FROM enhance_job") == [("succeeded", "waifu2x")]
    # The client logged out at the end: its token is gone.
    assert deployment.query("SELECT COUNT(*) FROM knox_authtoken") == [(0,)]

    # A second run with the same account logs in instead, and asks for JPEG.
    again = _client(deployment, str(source), "--out", str(tmp_path / "again.jpg"), "--format", "jpeg")
    assert again.returncode == 0, again.stdout + again.stderr
    assert "logged in as mobile@example.com" in again.stdout
    assert Image.open(tmp_path / "again.jpg").format == "JPEG"


def test_client_reports_api_errors_in_plain_words(deployment, tmp_path):
    not_an_image = tmp_path / "notes.png"
    not_an_image.write_text("shopping list")
    run = _client(deployment, str(not_an_image), "--out", str(tmp_path / "x.png"))
    assert run.returncode == 1
    assert "error: POST" in run.stderr
    assert " 415 " in run.stderr or " 400 " in run.stderr
    assert not (tmp_path / "x.png").exists()

"""A real `manage.py qcluster` and a real web server, on SQLite (a file both processes
share) and on PostgreSQL, running the real RealSR and waifu2x networks on tiny photos
submitted through the web views."""

import io
import os

import pytest
from PIL import Image

from enhance.renditions import display_name, format_name
from tests.enhance.stack import PG_ADMIN_URL, Stack, postgres_answers

THIS_PASS = "postgres" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "sqlite"


def _skip_unless_wanted(kind: str) -> None:
    if kind == "sqlite" and THIS_PASS == "postgres":
        pytest.skip("the SQLite pass of the suite runs the SQLite stack")
    if kind == "postgres" and not postgres_answers():
        pytest.skip(f"no PostgreSQL answers at {PG_ADMIN_URL}; set PG_ADMIN_URL to run this")


@pytest.fixture(params=["sqlite", "postgres"])
def stack(request, tmp_path, shared_weights_dir):
    _skip_unless_wanted(request.param)
    running = Stack(tmp_path / "stack", database=request.param, weights_dir=shared_weights_dir)
    try:
        running.create(photos=3, size=16)
        running.start_web()
        yield running
    finally:
        running.stop()


def _status(stack, job_id):
    return stack.get(f"/jobs/{job_id}/status.json").json()


def test_realsr_and_waifu2x_jobs_run_in_a_real_cluster(stack):
    first, second, third = stack.photos
    realsr = stack.post(f"/photos/{first}/enhance/", {"type": "sr"})
    waifu2x = stack.post(f"/photos/{second}/enhance/", {"type": "2dsr", "style": "art", "scale": "2", "noise": "1"})
    assert (realsr.status_code, waifu2x.status_code) == (202, 202), (realsr.text, waifu2x.text)
    # Cancel while queued: the cluster is not even running yet.
    doomed = stack.post(f"/photos/{third}/enhance/", {"type": "sr"}).json()["id"]
    assert stack.post(f"/jobs/{doomed}/cancel/", {}).json()["status"] == "canceled"
    refused = stack.post(f"/photos/{third}/enhance/", {"type": "2dsr", "scale": "3"})
    assert refused.status_code == 400 and "Scale must be one of 1x, 2x, 4x" in refused.json()["error"]

    stack.start_cluster(workers=1)
    ids = [realsr.json()["id"], waifu2x.json()["id"]]
    seen_running = set()

    def finished():
        states = [_status(stack, job_id) for job_id in ids]
        seen_running.update(s["id"] for s in states if s["status"] == "running")
        return all(s["finished"] for s in states) and states

    states = stack.wait_for(finished, timeout=240, what="both jobs to finish")
    assert [s["status"] for s in states] == ["succeeded", "succeeded"], (states, stack.log("cluster"))
    assert [(s["result_width"], s["result_height"]) for s in states] == [(64, 64), (32, 32)]
    assert all(s["progress"] == 100 for s in states)

    png = stack.get(f"/jobs/{ids[0]}/result/", format="png")
    assert png.status_code == 200 and png.headers["Content-Type"] == "image/png"
    assert Image.open(io.BytesIO(png.content)).size == (64, 64)
    webp = stack.download(f"/jobs/{ids[1]}/result/", format="webp")
    assert Image.open(io.BytesIO(webp.content)).format == "WEBP"

    jobs = stack.jobs()
    assert jobs[doomed]["status"] == "canceled" and jobs[doomed]["attempts"] == 0
    assert all(jobs[i]["attempts"] == 1 for i in ids), (jobs, stack.log("cluster"))
    made = [name for i in ids for name in (jobs[i]["result"], display_name(jobs[i]["result"]))]
    assert stack.result_files() == sorted([*made, format_name(jobs[ids[1]]["result"], "webp")])
    assert stack.get("/notifications/unread.json").json()["count"] == 2
    my_jobs = stack.get("/jobs/", status="succeeded").text
    assert all(f'id="job-{i}"' in my_jobs for i in ids) and f'id="job-{doomed}"' not in my_jobs

"""Crash safety with a real cluster: killed workers, a job that always kills its worker,
cancel while running. Slow: they wait for heartbeats to go stale and the reaper to act."""

import os
import random
import threading
import time

import pytest

from enhance.renditions import display_name
from enhance.worker.reaper import WORKER_STOPPED
from tests.enhance.stack import PG_ADMIN_URL, PYTHON, ROOT, Stack, postgres_answers

pytestmark = pytest.mark.slow

THIS_PASS = "postgres" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "sqlite"
MAX_ATTEMPTS = 3


@pytest.fixture
def make_stack(tmp_path, shared_weights_dir):
    # Each pass of the suite crashes workers on its own database (SQLite, then PostgreSQL).
    if THIS_PASS == "postgres" and not postgres_answers():
        pytest.skip(f"no PostgreSQL answers at {PG_ADMIN_URL}")
    stacks = []

    def make(**kwargs):
        stack = Stack(tmp_path / f"stack{len(stacks)}", database=THIS_PASS, weights_dir=shared_weights_dir,
                      env={"JOB_MAX_ATTEMPTS": str(MAX_ATTEMPTS), **kwargs.pop("env", {})})
        stacks.append(stack)
        stack.create(**kwargs)
        stack.start_web()
        return stack

    yield make
    for stack in stacks:
        stack.stop()


def test_a_job_that_always_kills_its_worker_ends_failed_after_the_limit(make_stack):
    # A short redelivery delay: the killed task's message comes back sooner and its run
    # reaps the stale job (the scheduled reaper would do it too, within a minute).
    stack = make_stack(photos=1, size=16, env={"Q_TIMEOUT": "10", "Q_RETRY": "12"})
    job_id = stack.post(f"/photos/{stack.photos[0]}/enhance/", {"type": "sr"}).json()["id"]
    stack.start_cluster(workers=1, entry=[PYTHON, str(ROOT / "tests/enhance/killing_cluster.py")])
    job = stack.wait_for(lambda: stack.jobs()[job_id]["status"] in ("failed", "succeeded") and stack.jobs()[job_id],
                         timeout=240, what="the killer job to end", interval=1)
    assert job["status"] == "failed"
    assert job["attempts"] == MAX_ATTEMPTS
    assert job["error"] == WORKER_STOPPED
    assert stack.result_files() == []
    # It stays failed: nothing re-queues it behind the reaper's back.
    time.sleep(8)
    assert stack.jobs()[job_id]["status"] == "failed" and stack.jobs()[job_id]["attempts"] == MAX_ATTEMPTS


def test_cancel_while_running_in_a_real_cluster(make_stack):
    # waifu2x art x4 on 512 px: two passes of several tiles each, so there are many
    # points between tiles where the cancel is honoured.
    stack = make_stack(photos=1, size=512)
    job_id = stack.post(f"/photos/{stack.photos[0]}/enhance/",
                        {"type": "2dsr", "style": "art", "scale": "4", "noise": "3"}).json()["id"]
    stack.start_cluster(workers=1)
    stack.wait_for(lambda: stack.get(f"/jobs/{job_id}/status.json").json()["progress"] > 0,
                   timeout=180, what="the job to make progress")
    assert stack.post(f"/jobs/{job_id}/cancel/", {}).status_code == 200
    state = stack.wait_for(
        lambda: (s := stack.get(f"/jobs/{job_id}/status.json").json())["finished"] and s,
        timeout=120, what="the cancel to be honoured")
    assert state["status"] == "canceled"
    assert state["progress"] < 100
    assert stack.result_files() == []


def test_chaos_killed_workers_lose_and_duplicate_nothing(make_stack):
    """>= 50 tiny jobs, 2 workers, a running worker SIGKILLed every few seconds."""
    stack = make_stack(photos=60, size=128)
    ids = []
    # waifu2x only: on a shared 2-core machine a tiny RealSR job takes seconds, and with a
    # kill every few seconds nothing would finish while the killing goes on. The real
    # RealSR path is covered by test_qcluster_end_to_end. Scale 4 on 128 px keeps each job
    # busy for a fraction of a second even on an idle machine, so the work outlasts several
    # kills (16 px jobs all finished before the second kill on a quiet CI machine).
    for index, photo in enumerate(stack.photos):
        data = {"type": "2dsr", "style": ("art", "photo")[index % 2], "scale": "4", "noise": str(index % 4)}
        response = stack.post(f"/photos/{photo}/enhance/", data)
        assert response.status_code == 202, response.text
        ids.append(response.json()["id"])
    stack.start_cluster(workers=2)

    kills = []
    stop = threading.Event()
    rng = random.Random(1234)

    def kill_one_running_worker() -> bool:
        running = [job for job in stack.jobs().values() if job["status"] == "running"]
        rng.shuffle(running)
        for job in running:
            pid = stack.worker_pid_of(job["worker"])
            if pid:
                os.kill(pid, 9)
                kills.append((job["id"], pid))
                return True
        return False

    def killer():
        # A kill every few seconds: wait a little, then the next worker seen running a
        # job dies (tiny jobs are quick, so look often until one is caught). Stop after
        # enough kills, or when no work is left to disturb.
        while len(kills) < 10 and not stop.wait(rng.uniform(1.5, 3.0)):
            deadline = time.monotonic() + 10
            while not stop.is_set() and time.monotonic() < deadline and not kill_one_running_worker():
                time.sleep(0.05)

    thread = threading.Thread(target=killer, daemon=True)
    started = time.monotonic()
    thread.start()
    try:
        stack.wait_for(lambda: not thread.is_alive() or not any(
            job["status"] == "queued" for job in stack.jobs().values()), timeout=100, what="the killing phase")
    finally:
        stop.set()
        thread.join()
    # The reaper's bound: stale after 4 s, then the next reaper run (a busy worker's, or
    # the schedule's: <= 60 s interval + 30 s scheduler tick), plus the work left.
    bound = 4 + 60 + 30 + 90
    jobs = stack.wait_for(
        lambda: all(j["status"] in ("succeeded", "failed") for j in stack.jobs().values()) and stack.jobs(),
        timeout=bound, what="every job to reach a terminal state", interval=1)
    elapsed = time.monotonic() - started

    assert len(kills) >= 5, f"the chaos did not happen: {kills}"
    assert set(jobs) == set(ids)
    assert all(job["attempts"] <= MAX_ATTEMPTS for job in jobs.values())
    assert any(job["attempts"] > 1 for job in jobs.values()), "no job was ever retried"
    succeeded = [job for job in jobs.values() if job["status"] == "succeeded"]
    failed = [job for job in jobs.values() if job["status"] == "failed"]
    assert all(job["error"] == WORKER_STOPPED and job["attempts"] == MAX_ATTEMPTS for job in failed)
    assert all(job["result"] for job in succeeded)
    # Exactly one result per succeeded job, and no file for anything else (no orphans, no temporaries).
    assert stack.result_files() == sorted(
        name for job in succeeded for name in (job["result"], display_name(job["result"])))
    assert len(succeeded) >= len(ids) // 2
    print(f"chaos: {len(ids)} jobs, {len(kills)} kills, {len(succeeded)} succeeded, {len(failed)} failed, "
          f"{elapsed:.0f} s")

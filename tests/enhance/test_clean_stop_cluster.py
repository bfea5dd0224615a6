"""Clean stops of a real `manage.py qcluster`: SIGTERM to the whole process group (systemd's
default) or to the main process alone (KillMode=mixed). The cluster exits within 30 s; its
running job is handed back at once or finished, and another cluster takes it without the
reaper (JOB_STALE_SECONDS is set far out of reach here). Timings are printed (run with -s)."""

import os
import signal
import time

import psutil
import pytest

from tests.enhance.stack import PG_ADMIN_URL, Stack, postgres_answers

pytestmark = pytest.mark.slow

THIS_PASS = "postgres" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "sqlite"
STOP_LIMIT = 30
# waifu2x art x4 with noise on 512 px: two passes of many tiles, tens of seconds on a CPU.
LONG_JOB = {"type": "2dsr", "style": "art", "scale": "4", "noise": "3"}


@pytest.fixture
def make_stack(tmp_path, shared_weights_dir):
    if THIS_PASS == "postgres" and not postgres_answers():
        pytest.skip(f"no PostgreSQL answers at {PG_ADMIN_URL}")
    stacks = []

    def make(grace: float, size: int = 512):
        stack = Stack(tmp_path / f"stack{len(stacks)}", database=THIS_PASS, weights_dir=shared_weights_dir,
                      env={"WORKER_STOP_GRACE_SECONDS": str(grace), "JOB_STALE_SECONDS": "600"})
        stacks.append(stack)
        stack.create(photos=1, size=size)
        stack.start_web()
        return stack

    yield make
    for stack in stacks:
        stack.stop()


def _stop_cluster(stack, whole_group: bool) -> tuple[float, list[tuple[float, str]]]:
    """Signal the cluster; return seconds until every process of it is gone, and the job's
    statuses seen meanwhile (seconds after the signal, status)."""
    cluster = stack.cluster
    tree = [psutil.Process(cluster.pid), *psutil.Process(cluster.pid).children(recursive=True)]
    job_id = next(iter(stack.jobs()))
    seen = []
    started = time.monotonic()
    if whole_group:
        os.killpg(cluster.pid, signal.SIGTERM)
    else:
        os.kill(cluster.pid, signal.SIGTERM)
    while time.monotonic() - started < STOP_LIMIT + 15:
        status = stack.jobs()[job_id]["status"]
        if not seen or seen[-1][1] != status:
            seen.append((round(time.monotonic() - started, 2), status))
        if cluster.poll() is not None and not any(p.is_running() and p.status() != psutil.STATUS_ZOMBIE
                                                  for p in tree):
            break
        time.sleep(0.1)
    return time.monotonic() - started, seen


def _start_long_job(stack) -> int:
    job_id = stack.post(f"/photos/{stack.photos[0]}/enhance/", LONG_JOB).json()["id"]
    stack.start_cluster(workers=1)
    stack.wait_for(lambda: stack.jobs()[job_id]["progress"] >= 5, timeout=240, what="the job to make progress",
                   interval=0.2)
    return job_id


@pytest.mark.parametrize("whole_group", [True, False], ids=["process-group", "main-process"])
def test_a_stopped_cluster_hands_its_job_back_and_another_takes_it_at_once(make_stack, whole_group):
    stack = make_stack(grace=2)
    job_id = _start_long_job(stack)
    seconds, seen = _stop_cluster(stack, whole_group)
    job = stack.jobs()[job_id]
    print(f"\nSTOP {'group' if whole_group else 'main'} hand-back: cluster gone after {seconds:.1f} s; "
          f"job statuses after the signal: {seen}")
    assert seconds < STOP_LIMIT, stack.log("cluster")
    assert (job["status"], job["attempts"], job["worker"], job["result"]) == ("queued", 0, "", "")
    assert stack.result_files() == []
    # A fresh cluster takes it without waiting for the reaper (stale after 600 s here).
    restarted = time.monotonic()
    stack.start_cluster(workers=1)
    stack.wait_for(lambda: stack.jobs()[job_id]["status"] == "running", timeout=120, what="the job to be taken again",
                   interval=0.2)
    print(f"STOP {'group' if whole_group else 'main'}: taken again {time.monotonic() - restarted:.1f} s "
          "after the new cluster started")
    assert stack.jobs()[job_id]["attempts"] == 1


def test_a_job_that_will_finish_within_the_grace_period_is_finished(make_stack):
    stack = make_stack(grace=25, size=192)
    job_id = stack.post(f"/photos/{stack.photos[0]}/enhance/", LONG_JOB).json()["id"]
    stack.start_cluster(workers=1)
    stack.wait_for(lambda: stack.jobs()[job_id]["progress"] >= 40, timeout=240, what="the job to be well along",
                   interval=0.1)
    seconds, seen = _stop_cluster(stack, whole_group=True)
    job = stack.jobs()[job_id]
    print(f"\nSTOP group finish: cluster gone after {seconds:.1f} s; job statuses after the signal: {seen}")
    assert seconds < STOP_LIMIT, stack.log("cluster")
    assert (job["status"], job["attempts"]) == ("succeeded", 1), (job, stack.log("cluster"))

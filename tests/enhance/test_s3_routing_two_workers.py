"""Two worker hosts of different capabilities behind one web host, on real S3 (moto in server
mode), each a separate process with its own environment: worker A is a CPU worker an operator
keeps to waifu2x (RESTORE_WORKER_MODELS), worker B runs everything its packages provide. Jobs
go to a worker that can run them; once B is gone and its record has expired, the web host
offers RealSR as "not available right now" while waifu2x still runs on A."""

import socket
import time

import pytest

from tests.enhance.split_hosts import ApiUser, split_hosts, tiny_png

pytestmark = pytest.mark.slow

EMAIL, PASSWORD = "routing@example.com", "correct-horse-battery-9"
WAIFU2X = {"style": "art", "scale": 2, "noise": 0}
# Heartbeats every second (the harness); a record silent for 8 s is no longer live: short for
# the test, with room for a heartbeat thread that a busy 2-core machine delays.
STALE_SECONDS = 8


@pytest.fixture
def hosts(tmp_path, shared_weights_dir):
    workers = {"a": {"RESTORE_WORKER_MODELS": "waifu2x"}, "b": {}}
    with split_hosts(tmp_path, weights_dir=shared_weights_dir, workers=workers,
                     env={"WORKER_STALE_SECONDS": str(STALE_SECONDS)}) as split:
        yield split


def _ran_on(hosts, job_id: int) -> tuple[str, int]:
    """(host, pid) of the worker process that ran the job, from its row ("host:pid:nonce")."""
    (worker,) = hosts.query("SELECT worker FROM enhance_job WHERE id = %s", (job_id,))[0]
    host, pid, _nonce = worker.rsplit(":", 2)
    return host, int(pid)


def _wait_until(what: str, check, timeout: float, hosts) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"{what} did not happen within {timeout} s:\n{hosts.log('web')}"
        time.sleep(0.5)


def test_jobs_go_to_a_worker_that_can_run_them_and_a_lost_worker_takes_its_models_with_it(hosts):
    # What each worker published, read from the shared database.
    (record_a,) = hosts.records("a", live_only=True)
    assert set(record_a["runnable"]) == {"waifu2x"}
    assert "RESTORE_WORKER_MODELS" in record_a["missing"]["realsr"]
    (record_b,) = hosts.records("b", live_only=True)
    assert {"realsr", "waifu2x"} <= set(record_b["runnable"])

    user = ApiUser.register(hosts, EMAIL, PASSWORD)
    assert user.models()["realsr"]["available"] and user.models()["waifu2x"]["available"]
    # Tiny photos: RealSR on a CPU shared with other work takes seconds even at 16 x 16.
    photos = [user.upload(tiny_png(16, shade), f"photo {shade}") for shade in (40, 200)]

    # Interleaved, so that wake-ups for RealSR jobs reach worker A too (they are not addressed).
    submitted = []
    for photo in photos:
        for model, options in (("realsr", {}), ("waifu2x", WAIFU2X)):
            answer = user.submit(photo, model, options)
            assert answer.status_code == 202, answer.text
            submitted.append((model, answer.json()))
    done = [(model, user.wait_finished(job["url"])) for model, job in submitted]
    assert {model: (job["result_width"], job["result_height"]) for model, job in done} == {
        "realsr": (64, 64), "waifu2x": (32, 32)}

    pids_a, pids_b = hosts.worker_pids("a"), hosts.worker_pids("b")
    assert not pids_a & pids_b
    for model, job in done:
        host, pid = _ran_on(hosts, job["id"])
        assert host == socket.gethostname()
        assert pid in (pids_b if model == "realsr" else pids_a | pids_b), (model, job["id"], pid, pids_a, pids_b)
    assert hosts.query("SELECT status, count(*) FROM enhance_job GROUP BY status") == [("succeeded", 4)]

    # Worker B's host vanishes: nothing withdraws its record, it expires with its heartbeat.
    hosts.kill_worker("b")
    _wait_until("RealSR offered as not available",
                lambda: not user.models()["realsr"]["available"], STALE_SECONDS + 60, hosts)
    assert [record["stopped_at"] for record in hosts.records("b")] == [None]  # expired, not withdrawn
    models = user.models()
    assert "not available right now" in models["realsr"]["reason"]
    assert models["waifu2x"]["available"] and models["waifu2x"]["reason"] == ""

    refused = user.submit(photos[0], "realsr")
    assert refused.status_code == 400 and "not available right now" in refused.text, refused.text
    page = user.web_session().get(f"{hosts.base_url}/photos/{photos[0]['id']}/", timeout=30)
    assert page.status_code == 200
    assert 'data-unavailable="realsr"' in page.text and "not available right now" in page.text

    still = user.submit(photos[1], "waifu2x", WAIFU2X)
    assert still.status_code == 202, still.text
    job = user.wait_finished(still.json()["url"])
    assert _ran_on(hosts, job["id"])[1] in pids_a
    assert hosts.query("SELECT count(*) FROM enhance_job WHERE model = 'realsr'") == [(2,)]

"""Each worker process publishes what it can run (device, models whose weights are present, each
model's pixel limits on that device, engine version) with its heartbeat; records expire with the
heartbeat or when the process stops, and submission decides from the live ones."""

import os
import socket
import subprocess
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from enhance import services
from enhance.capabilities import this_worker
from enhance.capabilities.models import WorkerCapability
from enhance.engine import config
from tests.enhance.stack import PYTHON, ROOT, Stack
from tests.workers import no_workers, publish_worker


@pytest.fixture
def empty_weights(monkeypatch, tmp_path):
    monkeypatch.setitem(config._config, "weights_dir", tmp_path)  # RealSR and waifu2x come from their packages
    return tmp_path


@pytest.mark.django_db
def test_a_worker_publishes_its_device_models_limits_and_version(empty_weights):
    record = this_worker.publish()
    assert record.process == this_worker.process_key()
    assert record.host == socket.gethostname() and record.pid == os.getpid()
    assert record.device["kind"] == "cpu" and record.device["name"] and record.device["memory_bytes"] > 0
    assert set(record.runnable) == {"realsr", "waifu2x", "realesrgan"}  # from the installed packages
    assert "import_weights bopb" in record.missing["bopb"] or "fetch_weights" in record.missing["bopb"]
    assert record.engine_version.startswith("restore ") and "torch 2.13" in record.engine_version
    assert WorkerCapability.objects.live().filter(pk=record.pk).exists()


@pytest.mark.django_db
def test_bopb_appears_with_the_limit_from_the_workers_environment(empty_weights, bopb_installed, monkeypatch):
    monkeypatch.setenv("SCRATCH_REPAIR_MAX_PIXELS", "3500000")
    record = this_worker.publish()
    assert record.runnable["bopb"] == {"scratches": 3_500_000} and "bopb" not in record.missing


@pytest.mark.django_db
def test_the_heartbeat_refreshes_the_record_and_recreates_a_removed_one(empty_weights):
    record = this_worker.publish()
    old = timezone.now() - timedelta(minutes=5)
    WorkerCapability.objects.filter(pk=record.pk).update(heartbeat=old)
    this_worker.beat()
    record.refresh_from_db()
    assert record.heartbeat > old
    record.delete()
    this_worker.beat()
    assert WorkerCapability.objects.live().filter(process=this_worker.process_key()).exists()


@pytest.mark.django_db
def test_a_withdrawn_or_silent_worker_is_not_live_and_nothing_is_offered(empty_weights, owner, photo, owner_client,
                                                                         settings):
    no_workers()
    record = this_worker.publish()
    assert services.submit(owner, photo, "waifu2x", {})
    this_worker.withdraw()
    record.refresh_from_db()
    assert record.stopped_at is not None  # kept for the host-hours, no longer live
    with pytest.raises(services.SubmitRefused) as refused:
        services.submit(owner, photo, "waifu2x", {})
    assert "not available right now" in str(refused.value) and "manage.py" not in str(refused.value)

    silent = publish_worker(heartbeat=timezone.now() - timedelta(seconds=settings.WORKER_STALE_SECONDS + 1))
    assert not WorkerCapability.objects.live().filter(pk=silent.pk).exists()
    page = owner_client.get(reverse("photo_detail", args=[photo.pk])).content.decode()
    option = page[page.index('value="2dsr"') :].split(">", 1)[0]
    assert "disabled" in option
    assert "not available right now" in page and "manage.py" not in page


@pytest.mark.django_db
def test_a_model_only_one_worker_runs_is_offered_while_that_worker_lives(owner, photo, bopb_installed, live_worker):
    from tests.billing.conftest import make_subscription

    make_subscription(owner)
    live_worker.runnable.pop("bopb")
    live_worker.save()
    with pytest.raises(services.SubmitRefused):
        services.submit(owner, photo, "bopb", {})
    publish_worker(("bopb",), host="gpu-1")
    assert services.submit(owner, photo, "bopb", {}).model == "bopb"


_WORKER_PROCESS = r"""
import time
import django
django.setup()
from django_q.signals import post_spawn
from enhance.capabilities.models import WorkerCapability
from enhance.capabilities.this_worker import process_key

post_spawn.send(sender="django_q", proc_name="Process-test")   # what django-q2 sends in a new worker
first = WorkerCapability.objects.get(process=process_key())
time.sleep(2.5)                                                # JOB_HEARTBEAT_SECONDS is 1 in a stack
first.refresh_from_db()
print("BEATS", first.heartbeat > first.started_at, first.stopped_at is None, process_key())
"""


@pytest.mark.slow
def test_a_worker_process_publishes_at_spawn_beats_and_withdraws_at_exit(tmp_path):
    stack = Stack(tmp_path / "stack", database="sqlite", weights_dir=str(tmp_path / "weights"))
    try:
        stack.create(photos=0, announce=())
        result = subprocess.run([PYTHON, "-c", _WORKER_PROCESS], cwd=ROOT, env=stack.env, capture_output=True,
                                text=True, timeout=120)
        assert result.returncode == 0, result.stderr[-4000:]
        beating, live, key = result.stdout.split("BEATS ", 1)[1].split()
        assert (beating, live) == ("True", "True")
        (row,) = stack.query(
            "SELECT runnable, stopped_at FROM capabilities_workercapability WHERE process = ?", (key,)
        )
        assert '"realsr"' in row[0] and '"waifu2x"' in row[0]
        assert row[1] is not None  # a process that exits withdraws its record
    finally:
        stack.stop()


@pytest.mark.django_db
def test_the_scheduled_reaper_forgets_records_older_than_the_cost_window():
    from enhance import tasks

    old = publish_worker(host="gone")
    WorkerCapability.objects.filter(pk=old.pk).update(heartbeat=timezone.now() - timedelta(days=41))
    recent = publish_worker(host="stopped-yesterday")
    WorkerCapability.objects.filter(pk=recent.pk).update(stopped_at=timezone.now() - timedelta(days=1))
    tasks.reap_stale_jobs()
    assert set(WorkerCapability.objects.values_list("host", flat=True)) == {"test-worker", "stopped-yesterday"}


@pytest.mark.django_db
def test_a_worker_whose_device_is_missing_runs_nothing_and_says_why(empty_weights, settings, owner, photo):
    settings.RESTORE_DEVICE = "cuda"  # this test machine has no CUDA GPU
    record = this_worker.publish()
    assert record.runnable == {} and record.device_kind == "cuda"
    assert "no CUDA GPU" in record.missing["realsr"]
    assert this_worker.capabilities_at_claim().runnable == {}


@pytest.mark.django_db
def test_an_operator_can_keep_a_worker_to_some_models_and_it_claims_only_those(empty_weights, settings, owner,
                                                                               photo, caplog):
    from enhance.worker.claim import claim_next

    settings.WORKER_MODELS = ["waifu2x", "no-such-model"]  # RESTORE_WORKER_MODELS="waifu2x,no-such-model"
    record = this_worker.publish()
    assert set(record.runnable) == {"waifu2x"}
    assert "RESTORE_WORKER_MODELS=waifu2x,no-such-model" in record.missing["realsr"]
    assert "no-such-model" in caplog.text  # named for the operator, never silently dropped
    realsr = services.submit(owner, photo, "realsr", {})
    # Offered (the autouse live_worker fixture's record runs RealSR) but left for that worker.
    assert claim_next("this-host:1:x") is None
    realsr.refresh_from_db()
    assert realsr.status == "queued"
    waifu2x = services.submit(owner, photo, "waifu2x", {"style": "art", "scale": 2, "noise": 0})
    assert claim_next("this-host:1:x").pk == waifu2x.pk

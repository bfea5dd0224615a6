"""The operators' dashboard lists live workers (device, models and limits, current job), the
models no live worker runs with the reason, the queued jobs no live worker can take, and a
cost from worker host-hours at each device's price with engine-busy time as utilisation."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from enhance.capabilities.models import WorkerCapability
from enhance.models import Job
from enhance.worker.claim import claim_next
from tests import factories
from tests.workers import GPU_24GB, publish_worker


@pytest.fixture
def staff_client(client, db):
    client.force_login(factories.make_user("ops@example.com", is_staff=True, is_superuser=True))
    return client


def _span(record, started_hours_ago, ran_hours, *, stopped=False):
    now = timezone.now()
    started = now - timedelta(hours=started_hours_ago)
    end = started + timedelta(hours=ran_hours)
    WorkerCapability.objects.filter(pk=record.pk).update(
        started_at=started, heartbeat=end, stopped_at=end if stopped else None
    )


def test_cost_is_host_hours_times_the_device_price_with_engine_time_as_utilisation(staff_client, settings, owner,
                                                                                   photo):
    settings.WORKER_HOUR_USD = {"cuda": 0.752, "cpu": 0.10}
    gpu = publish_worker(("realsr",), device=GPU_24GB, host="gpu-1")
    _span(gpu, 2, 2)  # still running: 2 h
    cpu_a, cpu_b = publish_worker(host="cpu-1"), publish_worker(host="cpu-1")
    _span(cpu_a, 5, 1, stopped=True)  # two processes on one host, overlapping: 1.5 h, not 2
    _span(cpu_b, 4.5, 1, stopped=True)
    _span(publish_worker(host="cpu-2"), 24 * 40, 2, stopped=True)  # before the 30 days
    Job.objects.create(owner=owner, photo=photo, model="realsr", status="succeeded", compute_seconds=1800,
                       finished_at=timezone.now())

    response = staff_client.get(reverse("admin:enhance_dashboard"))
    hours = {h.host: round(h.hours, 2) for h in response.context["hosts"]}
    assert hours["gpu-1"] == 2.0 and hours["cpu-1"] == 1.5 and "cpu-2" not in hours
    assert response.context["month_cost_usd"] == pytest.approx(2 * 0.752 + 1.5 * 0.10, abs=0.01)
    assert response.context["utilisation_percent"] == pytest.approx(100 * 0.5 / 3.5, abs=0.2)
    html = response.content.decode()
    assert "1.65 USD" in html and "14.3%" in html


def test_workers_their_capabilities_current_job_and_jobs_nobody_can_run(staff_client, owner, photo, engine_double):
    from enhance import services

    gpu = publish_worker(("realsr", "waifu2x", "bopb"), device=GPU_24GB, host="gpu-host-1")
    WorkerCapability.objects.filter(pk=gpu.pk).update(pid=42)
    services.submit(owner, photo, "realsr", {})
    running = claim_next("gpu-host-1:42:abc")
    gpu.delete()  # the only Restoration worker is gone: its queued jobs wait for nobody
    WorkerCapability.objects.create(process="gpu-host-1:42:abc0", host="gpu-host-1", pid=42, device=GPU_24GB.as_dict(),
                                    device_kind="cuda", runnable={"realsr": {}},
                                    missing={"bopb": "Old photo restoration weights are not installed; run: x"})
    stranded = Job.objects.create(owner=owner, photo=photo, model="bopb", options={"scratches": True, "hr": False})

    response = staff_client.get(reverse("admin:enhance_dashboard"))
    html = response.content.decode()
    rows = {row.record.process: row for row in response.context["workers"]}
    assert rows["gpu-host-1:42:abc0"].current_job.pk == running.pk
    assert "Test GPU 24 GB" in html and f'data-current-job="{running.pk}"' in html
    assert 'data-runs="waifu2x"' in html  # the default test worker
    assert [job.pk for job in response.context["unrunnable_jobs"]] == [stranded.pk]
    unavailable = {m.id: m.operator_reason for m in response.context["unavailable_models"]}
    assert "weights are not installed; run: x" in unavailable["bopb"]
    assert 'data-unavailable-model="bopb"' in html


def test_with_no_live_worker_every_queued_job_is_stranded(staff_client, owner, photo, settings):
    from enhance import services

    job = services.submit(owner, photo, "waifu2x", {})
    WorkerCapability.objects.update(heartbeat=timezone.now() - timedelta(seconds=settings.WORKER_STALE_SECONDS + 1))
    response = staff_client.get(reverse("admin:enhance_dashboard"))
    assert response.context["workers"] == []
    assert [j.pk for j in response.context["unrunnable_jobs"]] == [job.pk]
    assert "No worker is running" in response.content.decode()

"""Capability records for tests: fake live workers with chosen models, device and limits.

Submission decides availability from live records (enhance.availability), so every test that
submits jobs needs one; tests/conftest.py publishes a default worker for each database test."""

from __future__ import annotations

import uuid

from django.utils import timezone

from enhance.capabilities.models import WorkerCapability
from enhance.engine.catalog import get_spec
from enhance.engine.catalog.spec import DeviceInfo

CPU = DeviceInfo(kind="cpu", name="Test CPU", memory_bytes=8 << 30)
GPU_24GB = DeviceInfo(kind="cuda", name="Test GPU 24 GB", memory_bytes=24 << 30, capability=(8, 9), bf16=True)


def publish_worker(
    models=("realsr", "waifu2x"),
    *,
    device: DeviceInfo = CPU,
    limits: dict | None = None,
    env: dict | None = None,
    host: str = "test-worker",
    heartbeat=None,
    missing: dict | None = None,
) -> WorkerCapability:
    """A live worker that runs `models`, with each model's limit table for `device` (from the
    spec, with `env` as its environment: none by default, so the spec's defaults), overridden
    per model by `limits` {model: {name: pixels or None}}."""
    environment = dict(env or {})
    runnable = {}
    for model_id in models:
        table = get_spec(model_id).limit_table(device, environment)
        table.update((limits or {}).get(model_id, {}))
        runnable[model_id] = table
    pid = 10_000 + WorkerCapability.objects.count()
    now = timezone.now()
    return WorkerCapability.objects.create(
        process=f"{host}:{pid}:{uuid.uuid4().hex[:8]}",
        host=host,
        pid=pid,
        device=device.as_dict(),
        device_kind=device.kind,
        runnable=runnable,
        missing=missing if missing is not None else {},
        engine_version="tests",
        started_at=now,
        heartbeat=heartbeat or now,
    )


def no_workers() -> None:
    WorkerCapability.objects.all().delete()

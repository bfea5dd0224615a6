"""What the operators' dashboard shows about workers: each live worker with its device, models,
limits and current job; the queued jobs no live worker can take; and host-hours, the basis of
the cost (a host costs money while it runs, busy or idle)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.utils import timezone

from enhance.capabilities.models import WorkerCapability
from enhance.capabilities.routing import any_of, with_pixels
from enhance.models import Job, JobStatus


@dataclass
class WorkerRow:
    record: WorkerCapability
    heartbeat_age: float
    current_job: Job | None = None
    models: list[tuple[str, dict]] = field(default_factory=list)  # (model id, {limit name: pixels or None})


def worker_rows(workers: list[WorkerCapability], now: datetime) -> list[WorkerRow]:
    running = Job.objects.filter(status=JobStatus.RUNNING).only("pk", "model", "worker", "progress")
    by_process = {}
    for job in running:
        host, _, rest = job.worker.rpartition(":")  # "host:pid:nonce" -> ("host:pid", nonce)
        by_process[host] = job
    rows = []
    for record in workers:
        rows.append(WorkerRow(
            record=record,
            heartbeat_age=(now - record.heartbeat).total_seconds(),
            current_job=by_process.get(f"{record.host}:{record.pid}"),
            models=sorted(record.runnable.items()),
        ))  # fmt: skip
    return rows


def unrunnable_jobs(workers: list[WorkerCapability], limit: int = 50) -> list[Job]:
    """Queued jobs that no live worker would claim: a model none runs, or a photo above every limit."""
    queued = with_pixels(Job.objects.filter(status=JobStatus.QUEUED)).select_related("owner", "photo")
    return list(queued.exclude(any_of(w.runnable for w in workers)).order_by("queued_at")[:limit])


@dataclass
class HostHours:
    host: str
    device_kind: str
    hours: float

    @property
    def usd_per_hour(self) -> float:
        prices = settings.WORKER_HOUR_USD
        return float(prices.get(self.device_kind, prices.get("cpu", 0.0)))

    @property
    def cost_usd(self) -> float:
        return self.hours * self.usd_per_hour


def host_hours(since: datetime, now: datetime | None = None) -> list[HostHours]:
    """Hours each host ran a worker since `since`: the union of its processes' spans (start to
    last heartbeat or stop), so several processes on one host count once."""
    now = now or timezone.now()
    spans: dict[str, list[tuple[datetime, datetime]]] = defaultdict(list)
    kinds: dict[str, str] = {}
    records = WorkerCapability.objects.filter(heartbeat__gte=since).values_list(
        "host", "device_kind", "started_at", "heartbeat", "stopped_at"
    )
    for host, kind, started, heartbeat, stopped in records:
        start = max(started, since)
        end = min(stopped or heartbeat, heartbeat, now)
        if end > start:
            spans[host].append((start, end))
        # A host with a GPU worker is priced as a GPU host.
        kinds[host] = "cuda" if "cuda" in (kind, kinds.get(host)) else kind
    result = []
    for host, intervals in sorted(spans.items()):
        seconds, current_start, current_end = 0.0, None, None
        for start, end in sorted(intervals):
            if current_end is None or start > current_end:
                if current_end is not None:
                    seconds += (current_end - current_start).total_seconds()
                current_start, current_end = start, end
            else:
                current_end = max(current_end, end)
        if current_end is not None:
            seconds += (current_end - current_start).total_seconds()
        result.append(HostHours(host, kinds[host], seconds / 3600))
    return result

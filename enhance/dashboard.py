"""Figures for the operators' dashboard (Django admin)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db.models import Count, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from enhance.availability import model_availability
from enhance.capabilities import report
from enhance.capabilities.models import WorkerCapability
from enhance.models import Job, JobStatus

CHART_DAYS = 30


@dataclass
class DayBar:
    day: object
    jobs: int
    seconds: float
    x: float = 0
    jobs_height: float = 0
    seconds_height: float = 0


def broker_queue_size() -> int | None:
    from django_q.brokers import get_broker

    try:
        return get_broker().queue_size()
    except Exception:
        return None


def per_day(now, days: int = CHART_DAYS) -> list[DayBar]:
    since = (now - timedelta(days=days - 1)).replace(hour=0, minute=0, second=0, microsecond=0)
    rows = (
        Job.objects.filter(finished_at__gte=since)
        .annotate(day=TruncDate("finished_at"))
        .values("day")
        .annotate(jobs=Count("id"), seconds=Sum("compute_seconds"))
    )
    by_day = {row["day"]: row for row in rows}
    bars = []
    for offset in range(days):
        day = (since + timedelta(days=offset)).date()
        row = by_day.get(day, {})
        bars.append(DayBar(day=day, jobs=row.get("jobs", 0) or 0, seconds=float(row.get("seconds") or 0)))
    _scale(bars)
    return bars


def _scale(bars: list[DayBar], height: float = 100.0, width: float = 600.0) -> None:
    most_jobs = max((b.jobs for b in bars), default=0) or 1
    most_seconds = max((b.seconds for b in bars), default=0) or 1
    step = width / max(len(bars), 1)
    for index, bar in enumerate(bars):
        bar.x = round(index * step, 1)
        bar.jobs_height = round(bar.jobs / most_jobs * height, 1)
        bar.seconds_height = round(bar.seconds / most_seconds * height, 1)


def summary(now=None) -> dict:
    now = now or timezone.now()
    day_ago = now - timedelta(days=1)
    month_ago = now - timedelta(days=30)
    running = list(
        Job.objects.filter(status=JobStatus.RUNNING).select_related("owner").order_by("heartbeat")
    )
    stale_after = settings.JOB_STALE_SECONDS
    for job in running:
        job.heartbeat_age = (now - job.heartbeat).total_seconds() if job.heartbeat else None
        job.is_stale = job.heartbeat_age is None or job.heartbeat_age > stale_after
    month_seconds = Job.objects.filter(finished_at__gte=month_ago).aggregate(s=Sum("compute_seconds"))["s"] or 0.0
    bars = per_day(now)
    workers = list(WorkerCapability.objects.live(now))
    hosts = report.host_hours(month_ago, now)
    host_seconds = sum(h.hours for h in hosts) * 3600
    return {
        "queued": Job.objects.filter(status=JobStatus.QUEUED).count(),
        "broker_queue": broker_queue_size(),
        "running": running,
        "failed_last_day": Job.objects.filter(status=JobStatus.FAILED, finished_at__gte=day_ago).count(),
        "succeeded_last_day": Job.objects.filter(status=JobStatus.SUCCEEDED, finished_at__gte=day_ago).count(),
        "recent_failures": Job.objects.filter(status=JobStatus.FAILED, finished_at__gte=day_ago)
        .select_related("owner").order_by("-finished_at")[:10],
        "bars": bars,
        "chart_width": 600,
        "bar_width": round(600 / len(bars) - 2, 1),
        "max_jobs": max(b.jobs for b in bars),
        "max_seconds": round(max(b.seconds for b in bars), 1),
        "month_compute_hours": month_seconds / 3600,
        # The cost is what the worker hosts ran (busy or idle) at their device's hourly price;
        # engine-busy time beside it says how much of that was used.
        "hosts": hosts,
        "month_host_hours": host_seconds / 3600,
        "month_cost_usd": sum(h.cost_usd for h in hosts),
        "utilisation_percent": 100 * month_seconds / host_seconds if host_seconds else None,
        "hour_prices": sorted(settings.WORKER_HOUR_USD.items()),
        "stale_after": stale_after,
        "workers": report.worker_rows(workers, now),
        "worker_stale_after": settings.WORKER_STALE_SECONDS,
        "unavailable_models": [m for m in model_availability(now, workers).values() if not m.available],
        "unrunnable_jobs": report.unrunnable_jobs(workers),
    }

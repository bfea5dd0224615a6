"""One row per worker process: its device, the models it can run with their pixel limits,
and a heartbeat. A row is live while its heartbeat is recent and it has not stopped; old
rows stay (marked stopped or simply silent) so host-hours can be counted for the cost."""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class LiveQuerySet(models.QuerySet):
    def live(self, now=None):
        now = now or timezone.now()
        cutoff = now - timedelta(seconds=settings.WORKER_STALE_SECONDS)
        return self.filter(stopped_at__isnull=True, heartbeat__gte=cutoff)

    def prune(self, now=None, keep_days: int = 40) -> int:
        """Forget records silent for longer than the dashboard's cost window needs."""
        now = now or timezone.now()
        return self.filter(heartbeat__lt=now - timedelta(days=keep_days)).delete()[0]


class WorkerCapability(models.Model):
    # "host:pid:nonce": a pid is reused after a restart, the nonce tells the two apart.
    process = models.CharField(_("process"), max_length=120, unique=True)
    host = models.CharField(_("host"), max_length=100)
    pid = models.PositiveIntegerField(_("process id"))
    device = models.JSONField(_("device"), default=dict)  # DeviceInfo.as_dict()
    device_kind = models.CharField(_("device kind"), max_length=16)  # "cpu" | "cuda": what an hour costs
    # {model id: {limit name: pixels or None}} for every model whose weights are present.
    runnable = models.JSONField(_("models it can run"), default=dict)
    # {model id: why not} for the others: shown to operators, never to users.
    missing = models.JSONField(_("models it cannot run"), default=dict)
    engine_version = models.CharField(_("engine version"), max_length=120, blank=True)
    started_at = models.DateTimeField(_("started"), default=timezone.now)
    heartbeat = models.DateTimeField(_("last heartbeat"), default=timezone.now)
    stopped_at = models.DateTimeField(_("stopped"), null=True, blank=True)

    objects = LiveQuerySet.as_manager()

    class Meta:
        verbose_name = _("worker")
        verbose_name_plural = _("workers")
        ordering = ["host", "pid"]
        indexes = [models.Index(fields=["stopped_at", "heartbeat"], name="workercap_live")]

    def __str__(self):
        return self.process

    def limit(self, model_id: str, limit_name: str | None) -> tuple[bool, int | None]:
        """(can run the model, its pixel limit for that named limit; None = no limit)."""
        if model_id not in self.runnable:
            return False, None
        if limit_name is None:
            return True, None
        return True, self.runnable[model_id].get(limit_name)

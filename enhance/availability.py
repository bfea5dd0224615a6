"""Which models this service offers right now, decided from the live workers' capability
records (enhance.capabilities), never from this host's disk: web hosts have no weights.

    availability = model_availability()          # {model id: ModelAvailability}, one query
    info = availability["bopb"]
    info.available                               # some live worker runs it
    info.reason                                  # for people: "" or "not available right now"
    info.operator_reason                         # for operators: which workers, what they lack
    info.pixel_limit({"scratches": True})        # the largest photo any live worker takes
    info.size_refusal(options, width, height)    # "" or why this photo is refused

Torch-free: reads the catalogue (enhance.engine.catalog) and the database only."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.utils import formats
from django.utils.translation import gettext as _

from billing.plans import format_megapixels
from enhance.capabilities.models import WorkerCapability
from enhance.engine.catalog import all_specs, get_spec
from enhance.engine.catalog.spec import ModelSpec
from enhance.engine_text import model_label


@dataclass
class ModelAvailability:
    spec: ModelSpec
    workers: list[WorkerCapability] = field(default_factory=list)  # live workers that run it
    others: list[WorkerCapability] = field(default_factory=list)  # live workers that do not

    @property
    def id(self) -> str:
        return self.spec.id

    @property
    def label(self) -> str:
        return model_label(self.spec.id)

    @property
    def available(self) -> bool:
        return bool(self.workers)

    @property
    def reason(self) -> str:
        """What a person is told: never an operator command."""
        return "" if self.available else _("not available right now; please try again later")

    @property
    def operator_reason(self) -> str:
        if self.available:
            return ""
        if not self.others:
            return _("No worker is running (no capability record with a heartbeat in the last %(seconds)s s).") % {
                "seconds": formats.number_format(settings.WORKER_STALE_SECONDS, 0)
            }
        said = "; ".join(f"{w.process}: {w.missing.get(self.id) or _('not in its catalogue')}" for w in self.others)
        return _("No live worker can run it: %(workers)s") % {"workers": said}

    def pixel_limit(self, options: dict) -> int | None:
        """The largest photo (pixels) some live worker takes with these options; None: no limit."""
        name = self.spec.limit_name(options)
        if name is None or not self.workers:
            return None
        limits = [worker.limit(self.id, name)[1] for worker in self.workers]
        return None if any(limit is None for limit in limits) else max(limits)

    def size_refusal(self, options: dict, width: int, height: int) -> str:
        """Why no live worker takes this photo with these options, or ""."""
        limit = self.pixel_limit(options)
        pixels = (width or 0) * (height or 0)
        if limit is None or pixels <= limit:
            return ""
        rule = next(rule for rule in self.spec.pixel_limits if rule.name == self.spec.limit_name(options))
        params = {
            "model": self.label,
            "limit": format_megapixels(limit),
            "size": formats.number_format(pixels / 1_000_000, 1),
        }
        if rule.refusal:
            return _(rule.refusal) % params
        return _("%(model)s takes photos up to %(limit)s megapixels; this one has %(size)s.") % params


def live_workers(now=None) -> list[WorkerCapability]:
    return list(WorkerCapability.objects.live(now))


def model_availability(now=None, workers: list[WorkerCapability] | None = None) -> dict[str, ModelAvailability]:
    """Every catalogued model, in catalogue order, with the live workers that run it."""
    workers = live_workers(now) if workers is None else workers
    result = {}
    for spec in all_specs():
        result[spec.id] = ModelAvailability(
            spec,
            workers=[w for w in workers if spec.id in w.runnable],
            others=[w for w in workers if spec.id not in w.runnable],
        )
    return result


def availability_of(model_id: str, now=None) -> ModelAvailability:
    """One model's availability; ValueError (naming the known models) for an unknown id."""
    spec = get_spec(model_id)
    return model_availability(now)[spec.id]

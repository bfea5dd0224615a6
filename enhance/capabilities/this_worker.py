"""The worker's side: describe this process (device, models whose weights are present, their
pixel limits on this device), publish that record at start and with every heartbeat, and
withdraw it when the process exits. Imports the engine (and torch) only when called: web
hosts import this module's package for the model, never these functions."""

from __future__ import annotations

import functools
import logging
import multiprocessing.util
import os
import socket
import threading
import tomllib
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.utils import timezone

from enhance.capabilities.models import WorkerCapability
from enhance.engine.catalog.spec import DeviceInfo

log = logging.getLogger(__name__)

# Weights are looked at again every this many heartbeats (an operator may add or remove them).
REFRESH_EVERY_BEATS = 6


@dataclass(frozen=True)
class LocalCapabilities:
    device: dict
    runnable: dict[str, dict[str, int | None]] = field(default_factory=dict)
    missing: dict[str, str] = field(default_factory=dict)
    engine_version: str = ""

    @property
    def device_kind(self) -> str:
        return str(self.device.get("kind", "cpu"))


@functools.cache
def engine_version() -> str:
    import torch

    try:
        pyproject = tomllib.loads((Path(settings.BASE_DIR) / "pyproject.toml").read_text())
        version = pyproject["project"]["version"]
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        version = "?"
    return f"restore {version}, torch {torch.__version__}"


def describe_this_worker() -> LocalCapabilities:
    from enhance.engine.catalog import all_specs
    from enhance.engine.config import default_weights_dir
    from enhance.engine.device import describe_device, resolve_device
    from enhance.engine.registry import get_pipeline

    try:
        device = describe_device(resolve_device(settings.RESTORE_DEVICE))
    except ValueError as exc:  # RESTORE_DEVICE=cuda on a host without a usable GPU
        # Published with nothing runnable, so operators see why and no job is claimed here.
        kind = "cuda" if str(settings.RESTORE_DEVICE).startswith("cuda") else "cpu"
        device = DeviceInfo(kind=kind, name=f"{settings.RESTORE_DEVICE}: {exc}")
        return LocalCapabilities(device.as_dict(), {}, {spec.id: str(exc) for spec in all_specs()}, engine_version())
    weights_dir = default_weights_dir()
    runnable, missing = {}, {}
    offered = _offered_models({spec.id for spec in all_specs()})
    for spec in all_specs():
        if spec.id not in offered:
            missing[spec.id] = f"not offered by this worker (RESTORE_WORKER_MODELS={','.join(settings.WORKER_MODELS)})"
            continue
        try:
            ready, reason = get_pipeline(spec.id).weights_status(weights_dir)
        except Exception as exc:  # a broken pipeline module must not hide the others
            log.exception("weights status of %s failed", spec.id)
            ready, reason = False, f"{type(exc).__name__}: {exc}"
        if ready:
            runnable[spec.id] = spec.limit_table(device, os.environ)
        else:
            missing[spec.id] = reason
    return LocalCapabilities(device.as_dict(), runnable, missing, engine_version())


def _offered_models(catalogued: set[str]) -> set[str]:
    """The models an operator lets this worker run (RESTORE_WORKER_MODELS; empty = all)."""
    chosen = set(settings.WORKER_MODELS)
    if not chosen:
        return catalogued
    unknown = chosen - catalogued
    if unknown:
        log.warning("RESTORE_WORKER_MODELS names models not in the catalogue: %s (known: %s)",
                    ", ".join(sorted(unknown)), ", ".join(sorted(catalogued)))
    return chosen & catalogued


class _Process:
    """This process's identity and what it last found it can do (reset in a forked child)."""

    def __init__(self):
        self.pid = os.getpid()
        self.key = f"{socket.gethostname()}:{self.pid}:{uuid.uuid4().hex[:8]}"
        self.capabilities: LocalCapabilities | None = None
        self.heartbeat: CapabilityHeartbeat | None = None


_process: _Process | None = None
_lock = threading.Lock()


def _this_process() -> _Process:
    global _process
    with _lock:
        if _process is None or _process.pid != os.getpid():
            _process = _Process()
        return _process


def process_key() -> str:
    return _this_process().key


def current_capabilities(*, refresh: bool = False) -> LocalCapabilities:
    state = _this_process()
    if refresh or state.capabilities is None:
        state.capabilities = describe_this_worker()
    return state.capabilities


def publish(*, refresh: bool = True) -> WorkerCapability:
    """Write this process's record (created on first call), with a fresh heartbeat."""
    caps = current_capabilities(refresh=refresh)
    key = process_key()
    now = timezone.now()
    values = {
        "host": key.rsplit(":", 2)[0][:100],
        "pid": os.getpid(),
        "device": caps.device,
        "device_kind": caps.device_kind,
        "runnable": caps.runnable,
        "missing": caps.missing,
        "engine_version": caps.engine_version[:120],
        "heartbeat": now,
        "stopped_at": None,
    }
    record, _created = WorkerCapability.objects.update_or_create(
        process=key, defaults=values, create_defaults={**values, "started_at": now}
    )
    return record


def beat() -> None:
    """Refresh the heartbeat; recreate the record if an operator or a test removed it."""
    if not WorkerCapability.objects.filter(process=process_key()).update(heartbeat=timezone.now(), stopped_at=None):
        publish(refresh=False)


def withdraw() -> None:
    """This process stops: its record is no longer live (kept, stopped, for the host-hours)."""
    state = _this_process()
    if state.heartbeat is not None:
        state.heartbeat.stop()
        state.heartbeat = None
    try:
        WorkerCapability.objects.filter(process=state.key, stopped_at__isnull=True).update(stopped_at=timezone.now())
    except Exception:  # exiting anyway: the record expires with its heartbeat
        log.warning("could not withdraw the capability record of %s", state.key, exc_info=True)


class CapabilityHeartbeat(threading.Thread):
    def __init__(self, interval: float):
        super().__init__(name="capability-heartbeat", daemon=True)
        self.interval = interval
        self._stop_event = threading.Event()

    def run(self) -> None:
        beats = 0
        try:
            while not self._stop_event.wait(self.interval):
                beats += 1
                try:
                    if beats % REFRESH_EVERY_BEATS == 0:
                        publish(refresh=True)
                    else:
                        beat()
                except Exception:  # a busy database must not end the beat; the next one retries
                    log.warning("capability heartbeat failed", exc_info=True)
        finally:
            connection.close()  # this thread's own connection

    def stop(self) -> None:
        self._stop_event.set()
        if self is not threading.current_thread():
            self.join(timeout=5)


def start_publishing() -> WorkerCapability:
    """Once per worker process: publish, keep the record fresh, withdraw it at exit. The
    heartbeat starts first, so a record that cannot be written now (database restarting) is
    written by the next beat."""
    state = _this_process()
    if state.heartbeat is None:
        state.heartbeat = CapabilityHeartbeat(settings.JOB_HEARTBEAT_SECONDS)
        state.heartbeat.start()
        # multiprocessing runs its finalizers when a worker process returns (django-q2
        # recycling, a clean stop) and, through atexit, when a main process exits; not on SIGKILL.
        multiprocessing.util.Finalize(None, withdraw, exitpriority=10)
    return publish(refresh=True)

def capabilities_at_claim() -> LocalCapabilities:
    """Looked at again before every claim; the record follows at once when something changed
    (weights added or removed), so web hosts stop offering what this worker no longer runs."""
    state = _this_process()
    before = state.capabilities
    now = current_capabilities(refresh=True)
    if state.heartbeat is not None and before is not None and now != before:
        try:
            publish(refresh=False)
        except Exception:
            log.warning("could not republish the capability record", exc_info=True)
    return now

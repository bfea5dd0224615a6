"""Clean stops: SIGTERM makes a worker stop taking jobs; its running job either finishes,
if it will within the grace period, or is handed back at once (enhance.worker.finish.hand_back).

django-q2's cluster needs two changes for that, made here:
- its sentinel dies on SIGTERM (SIG_DFL) when systemd signals the whole process group, and
  with it the pool it would have waited for; it now treats SIGTERM as "stop";
- when only the main process is signalled (KillMode=mixed), the sentinel waits for every
  worker to finish its task, however long; it now passes SIGTERM on to its workers first;
- a second signal to the main process deadlocked it; it is now ignored.
Workers record the request (the engine checks it between tiles, through JobReporter)."""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import threading
import time

from django.conf import settings

log = logging.getLogger(__name__)

_requested_at: float | None = None
# Below this fraction done there is no telling how long the rest takes: hand the job back.
_MIN_FRACTION_FOR_AN_ESTIMATE = 0.05


def request_stop(signum=None, frame=None) -> None:
    global _requested_at
    if _requested_at is None:
        _requested_at = time.monotonic()
        log.warning("worker %s: stop requested; no new jobs", os.getpid())


def stop_requested() -> bool:
    return _requested_at is not None


def reset() -> None:
    """For tests: forget a stop request."""
    global _requested_at
    _requested_at = None


def should_hand_back(fraction: float, elapsed: float) -> bool:
    """After a stop request: True unless the running job will finish within the grace period."""
    if _requested_at is None:
        return False
    left = settings.WORKER_STOP_GRACE_SECONDS - (time.monotonic() - _requested_at)
    if left <= 0 or fraction < _MIN_FRACTION_FOR_AN_ESTIMATE:
        return True
    remaining = elapsed * (1.0 - fraction) / fraction
    return remaining > left


def _on_worker_spawn(sender, proc_name, **kwargs) -> None:
    signal.signal(signal.SIGTERM, request_stop)


def install_cluster_hooks() -> None:
    """Called once per process from EnhanceConfig.ready(): only qcluster processes use them."""
    from django_q.cluster import Cluster, Sentinel
    from django_q.signals import post_spawn

    post_spawn.connect(_on_worker_spawn, dispatch_uid="enhance.worker.stopping")
    if getattr(Sentinel, "_restore_clean_stop", False):
        return
    original_start, original_stop = Sentinel.start, Sentinel.stop
    original_sig_handler = Cluster.sig_handler

    def sig_handler(self, signum, frame):
        # Once is enough: a second signal (Ctrl-C, then the script's own SIGTERM) would run
        # stop() again inside the first one's stop_event.set() and wait for its own lock.
        if getattr(self, "_restore_stopping", False):
            return
        self._restore_stopping = True
        original_sig_handler(self, signum, frame)

    def start(self):
        def on_sigterm(signum, frame):
            # Not stop_event.set() here: the handler may run while this very thread holds the
            # event's lock inside stop_event.wait() (a plain Lock), and would wait for itself.
            threading.Thread(target=self.stop_event.set, name="sigterm", daemon=True).start()

        # Pusher, monitor and workers fork from here and inherit this until they set their own.
        signal.signal(signal.SIGTERM, on_sigterm)
        return original_start(self)

    def stop(self):
        for process in list(self.pool):
            if process.is_alive():
                with contextlib.suppress(ProcessLookupError):
                    os.kill(process.pid, signal.SIGTERM)
        return original_stop(self)

    Sentinel.start, Sentinel.stop = start, stop
    Cluster.sig_handler = sig_handler
    Sentinel._restore_clean_stop = True

"""The cache backend for REDIS_URL: Redis, and a per-process cache while Redis is down.

The default alias holds rate-limit counters (allauth's, the API throttles'); the `rows`
alias holds rendered rows shared by the web processes (restoreapp/shared_tier.py, which stops
using it during an outage). An outage must not refuse logins, sign-ups, uploads or jobs:
while Redis cannot be reached every call goes to a local in-memory cache (limits then count
per process, which is still a limit), the outage is logged at most once a minute, and Redis
is tried again after a short pause so a recovered server is picked up without a restart.
"""

import logging
import threading
import time

from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

REPORT_EVERY_SECONDS = 60.0
RETRY_AFTER_SECONDS = 5.0
_UNREACHABLE = (RedisConnectionError, RedisTimeoutError, OSError)

# Django makes one backend instance per thread: the outage state is the process's.
_state_lock = threading.Lock()
_state = {"down_until": 0.0, "reported_at": float("-inf")}


def _note_outage(exc: BaseException) -> None:
    now = time.monotonic()
    with _state_lock:
        _state["down_until"] = now + RETRY_AFTER_SECONDS
        report = now - _state["reported_at"] >= REPORT_EVERY_SECONDS
        if report:
            _state["reported_at"] = now
    if report:
        logger.warning("Redis cache unreachable (%s): rate limits count per process until it is back", exc)


def redis_is_down() -> bool:
    return time.monotonic() < _state["down_until"]


def reset_outage_state() -> None:
    """For tests: forget a previous outage."""
    with _state_lock:
        _state.update(down_until=0.0, reported_at=float("-inf"))


def _guarded(name: str):
    def call(self, *args, **kwargs):
        if not redis_is_down():
            try:
                return getattr(super(ResilientRedisCache, self), name)(*args, **kwargs)
            except _UNREACHABLE as exc:
                _note_outage(exc)
        return getattr(self._fallback, name)(*args, **kwargs)

    call.__name__ = name
    return call


class ResilientRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._fallback = LocMemCache(f"redis-fallback:{server}", {"OPTIONS": {"MAX_ENTRIES": 100_000}})

    # Every method RedisCache implements itself (the others are built on these).
    add = _guarded("add")
    get = _guarded("get")
    set = _guarded("set")
    touch = _guarded("touch")
    delete = _guarded("delete")
    get_many = _guarded("get_many")
    has_key = _guarded("has_key")
    incr = _guarded("incr")
    set_many = _guarded("set_many")
    delete_many = _guarded("delete_many")
    clear = _guarded("clear")

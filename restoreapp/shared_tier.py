"""The shared tier of the fragment cache (restoreapp/fragment_cache.py): the `rows` cache alias
(Redis when REDIS_URL is set, nothing otherwise), under names that change with the code.

A row drawn by one release must never be served by another (a template or a translation may
have changed), so every name starts with a digest of the files that draw rows: the apps' Python
code, the templates, the static files (their hashed URLs are in the rows), the compiled
translations and the SECRET_KEY (the rows' markers derive from it). Hosts running the same
release compute the same digest and share rows. Tests change settings at run time; each change
starts a new generation of names."""

from __future__ import annotations

import hashlib
import itertools
import threading
from pathlib import Path

from django.conf import settings
from django.core.cache import caches
from django.utils.crypto import salted_hmac

# Rows are keyed by their content and never go stale; the expiry only bounds what Redis keeps
# for rows nobody looks at any more.
SECONDS = 24 * 3600
_SOURCE_SUFFIXES = {".py", ".html", ".txt", ".mo", ".css", ".js", ".svg", ".json"}
_SKIPPED = {".venv", "var", "node_modules", ".git", "tests", "docs", "__pycache__", "media", "staticfiles"}

_generation = itertools.count()
_state = {"release": None, "generation": next(_generation)}
_lock = threading.Lock()


def _release() -> str:
    with _lock:
        if _state["release"] is None:
            digest = hashlib.blake2b(digest_size=8)
            # Rows hold markers derived from the SECRET_KEY (fragment_cache): deployments with
            # different keys never share them.
            digest.update(salted_hmac("restore.shared_tier.release", "markers").digest())
            root = Path(settings.BASE_DIR)
            for path in sorted(_source_files(root)):
                digest.update(str(path.relative_to(root)).encode())
                digest.update(path.read_bytes())
            _state["release"] = digest.hexdigest()
        return _state["release"]


def _source_files(folder: Path):
    for entry in folder.iterdir():
        if entry.is_dir():
            if entry.name not in _SKIPPED and not entry.name.startswith("."):
                yield from _source_files(entry)
        elif entry.suffix in _SOURCE_SUFFIXES:
            yield entry


def backend():
    """The shared cache, or None where there is none (no REDIS_URL: one process's tier is all)
    or while Redis is down (its stand-in, a per-process cache, is for rate limits)."""
    from restoreapp.cache import redis_is_down

    if "rows" not in settings.CACHES or redis_is_down():
        return None
    return caches["rows"]


def name(key: bytes) -> str:
    return f"{_release()}:{_state['generation']}:{key.hex()}"


def new_generation() -> None:
    _state["generation"] = next(_generation)

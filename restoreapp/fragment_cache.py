"""Rendered list rows (a photo tile, a job row) and form fragments remembered per process.

The library, an album, My jobs and the photo page each render 25 to 60 rows through Django
templates, and those rows were most of the pages' CPU (docs/benchmarks.md, "Web load"). A row
is a pure function of its object's loaded values, the language and the time zone, so it is
remembered under a digest of exactly those: any change to a row's data (a job's progress, a
photo's title, a badge's annotation) gives a new key, and nothing is ever invalidated by hand.
Rows are rendered without the request (no context processors run). The per-request values
cached markup holds (the CSRF token of its forms, the page's own path) are drawn as markers
(the same in every process, derived from the SECRET_KEY) and filled in for each request
(`fill_in`).

Fragments whose inputs are few (the model and option fields, which depend on the live workers,
the plan and the photo's size) are remembered under those inputs with `fragment()`.

Two tiers: this process's own (bounded, least recently used first out), then a shared one in
Redis (restoreapp/shared_tier.py) so that every worker and web host reuses a row any of them
drew; a page asks the shared tier once for all the rows it lacks. Shared names carry a digest
of the code, templates, static files and translations, so a deploy never reuses a row drawn by
the code before it.
"""

from __future__ import annotations

import datetime
import hashlib
import pickle
import threading
from collections import OrderedDict
from decimal import Decimal
from uuid import UUID

from django.conf import settings
from django.core.signals import setting_changed
from django.db.models import Model
from django.template.loader import get_template
from django.utils import timezone, translation
from django.utils.crypto import salted_hmac
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

from restoreapp import shared_tier


def _marker(name: str) -> str:
    # The same in every process and host of a deployment (rows drawn by one worker are filled in
    # by another), and unguessable without the SECRET_KEY: a title someone typed must never
    # contain a marker and get the reader's CSRF token in its place.
    return f"row-cache-{name}-{salted_hmac('restore.fragment_cache.marker', name).hexdigest()[:32]}"


CSRF_MARKER = _marker("csrf")
PATH_MARKER = _marker("path")
# What cached markup is drawn with instead of the request's values: `csrf_token` for its forms,
# `here` for a link back to the page (filled in by fill_in).
MARKERS = {"csrf_token": CSRF_MARKER, "here": PATH_MARKER}
_PLAIN = frozenset({str, int, float, bool, bytes, type(None), datetime.datetime, datetime.date, datetime.time,
                    datetime.timedelta, Decimal, UUID})


class RowCache:
    """A bounded least-recently-used map, safe under threads (runserver, the test server)."""

    def __init__(self, size: int):
        self.size = size
        self._rows: OrderedDict[bytes, str] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, key: bytes) -> str | None:
        with self._lock:
            row = self._rows.get(key)
            if row is None:
                self.misses += 1
                return None
            self._rows.move_to_end(key)
            self.hits += 1
            return row

    def put(self, key: bytes, row: str) -> None:
        if self.size <= 0:
            return
        with self._lock:
            self._rows[key] = row
            self._rows.move_to_end(key)
            while len(self._rows) > self.size:
                self._rows.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._rows.clear()
            self.hits = self.misses = 0

    def __len__(self) -> int:
        return len(self._rows)


cache = RowCache(settings.ROW_CACHE_SIZE)


def _forget_on_setting_change(**_) -> None:
    # Rows are drawn under the settings in force (a download cap, the static files' URLs): tests
    # change them at run time, production never does.
    cache.clear()
    shared_tier.new_generation()


setting_changed.connect(_forget_on_setting_change, dispatch_uid="fragment_cache_settings")


def _values(value, depth: int = 0):
    """A row object's loaded data, for its key: its own attributes (fields, annotations, values a
    view attached) and the related objects loaded with it (select_related), recursively."""
    if type(value) in _PLAIN:
        return value
    if isinstance(value, Model):
        if depth > 3:
            return (type(value).__name__, value.pk)
        own = [(name, item if type(item) in _PLAIN else _values(item, depth + 1))
               for name, item in vars(value).items() if name[0] != "_"]
        related = [(name, _values(item, depth + 1)) for name, item in value._state.fields_cache.items()]
        return (type(value).__name__, own, related)
    if isinstance(value, dict):
        return tuple((key, _values(item, depth + 1)) for key, item in value.items())
    if isinstance(value, list | tuple | set | frozenset):
        return tuple(_values(item, depth + 1) for item in value)
    # Anything else (a file field's wrapper, a lazy string) by its text, which is what a template
    # shows; never by a repr that may hold a memory address.
    return (type(value).__name__, str(value))


def _setting() -> tuple[str, str]:
    return translation.get_language(), timezone.get_current_timezone_name()


def digest(data) -> bytes:
    # pickle, not repr: twice as fast on rows full of datetimes, and as unambiguous.
    return hashlib.blake2b(pickle.dumps(data, protocol=5), digest_size=20).digest()


def row_key(template_name: str, item, setting: tuple[str, str] | None = None) -> bytes:
    return digest((template_name, setting or _setting(), _values(item)))


def lookup(keys: list[bytes], local: RowCache | None = None) -> dict[bytes, object]:
    """The cached entries among `keys`: this process's first, then the shared tier (one round
    trip for all the rest), whose answers this process then keeps."""
    local = cache if local is None else local
    found, missing = {}, []
    for key in keys:
        entry = local.get(key)
        if entry is None:
            missing.append(key)
        else:
            found[key] = entry
    if missing and (tier := shared_tier.backend()) is not None:
        names = {shared_tier.name(key): key for key in missing}
        for name, entry in tier.get_many(list(names)).items():
            found[names[name]] = entry
            local.put(names[name], entry)
    return found


def store(entries: dict[bytes, object], local: RowCache | None = None, seconds: int = shared_tier.SECONDS) -> None:
    local = cache if local is None else local
    for key, entry in entries.items():
        local.put(key, entry)
    if entries and (tier := shared_tier.backend()) is not None:
        tier.set_many({shared_tier.name(key): entry for key, entry in entries.items()}, timeout=seconds)


def reuse_or_draw(keys: list[bytes], items: list, draw) -> list:
    """Each item's entry under its key, in order: the cached one, else `draw(item)`, which both
    tiers then keep."""
    found = lookup(keys)
    drawn = {}
    for key, item in zip(keys, items, strict=True):
        if key not in found and key not in drawn:
            drawn[key] = draw(item)
    store(drawn)
    return [found[key] if key in found else drawn[key] for key in keys]


def render_rows(template_name: str, items, name: str) -> str:
    """Every item through `template_name` (as the variable `name`), joined, with cached rows
    reused; the per-request values are still markers (`fill_in`)."""
    setting = _setting()
    items = list(items)
    keys = [row_key(template_name, item, setting) for item in items]
    return "".join(reuse_or_draw(keys, items, lambda item: get_template(template_name).render({name: item, **MARKERS})))


def fragment(key_data, draw) -> SafeString:
    """A fragment that is a pure function of `key_data` (plus the language and time zone):
    `draw()` renders it the first time, the cache answers after that."""
    key = digest(("fragment", _setting(), _values(key_data)))
    return mark_safe(reuse_or_draw([key], [key_data], lambda _: str(draw()))[0])  # drawn by the template engine


def fill_in(html: str, context) -> SafeString:
    """Cached markup with this request's values where it was drawn with markers: the CSRF token
    (from the template context) and the request's path and query (escaped)."""
    if CSRF_MARKER in html:
        html = html.replace(CSRF_MARKER, str(context.get("csrf_token") or ""))
    if PATH_MARKER in html:
        request = context.get("request")
        html = html.replace(PATH_MARKER, conditional_escape(request.get_full_path() if request else ""))
    return mark_safe(html)  # drawn by the autoescaping template engine; the path is escaped above

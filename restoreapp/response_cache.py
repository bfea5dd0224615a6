"""Whole responses remembered per person: the library, album, photo, My jobs and notifications
pages, the pages' job and notification polls, and the API's lists (photos, albums, jobs,
models), a job (polled) and me.

A remembered response is reused only while nothing it was drawn from can have changed, so its
key holds all of that:

- the person and their data version (accounts/data_version.py): database triggers change it in
  the same transaction as any write to their account, albums, photos, jobs, notifications, plan
  or usage, whoever writes;
- the view, the full path with its query, the host and scheme (absolute links), the language
  and the time zone;
- what the live workers can run: the service's version, which the workers' capability records
  change when a worker starts, stops or changes what it runs (read with the person's, in one
  query); a worker going silent is a change with time alone;
- the release and settings generation (restoreapp/shared_tier.py names);
and it is reused for at most RESPONSE_CACHE_SECONDS (default 10) after it was drawn: what
changes with time alone ("3 minutes ago", a running job's time left, a subscription reaching
its end, a new month's quota, a worker going silent) is at most that old. 0 turns it off.

Never remembered: anything but a GET by a signed-in person, a page with a message waiting (it
shows once), a response other than 200, a streamed one, one that sets a cookie. The CSRF token
of a remembered page is replaced by a marker and filled in with the asking session's own.

Two tiers, as for rows (restoreapp/fragment_cache.py): this process's own, bounded by
RESPONSE_CACHE_SIZE entries, then Redis, shared by every worker and web host.
"""

from __future__ import annotations

import re
import time
from functools import wraps

from django.conf import settings
from django.contrib.messages import get_messages
from django.core.signals import setting_changed
from django.http import HttpResponse
from django.middleware.csrf import _unmask_cipher_token, get_token
from django.utils import timezone, translation

from accounts.data_version import version_of
from restoreapp.fragment_cache import CSRF_MARKER, RowCache, digest, lookup, store

_FORM_TOKEN = re.compile(rb'name="csrfmiddlewaretoken" value="([A-Za-z0-9]{64})"')
# Headers the view set that a remembered copy repeats (the middleware adds the rest each time).
_SKIPPED_HEADERS = {"set-cookie", "content-length"}

responses = RowCache(settings.RESPONSE_CACHE_SIZE)


def _forget_on_setting_change(**_) -> None:
    responses.clear()


setting_changed.connect(_forget_on_setting_change, dispatch_uid="response_cache_settings")


def _seconds() -> int:
    return settings.RESPONSE_CACHE_SECONDS


def _key(request, view: str, user_id: int) -> bytes:
    return digest(("response", view, user_id, version_of(user_id), request.get_full_path(), request.get_host(),
                   request.scheme, translation.get_language(), timezone.get_current_timezone_name()))


def _remember(key: bytes, entry) -> None:
    store({key: (time.time(), entry)}, local=responses, seconds=_seconds() + 1)


def _recall(key: bytes):
    """The entry if it was drawn less than RESPONSE_CACHE_SECONDS ago. Each entry ages from its
    own drawing, so entries do not all run out at once (a fixed time window made every page of
    every person miss in the same second)."""
    drawn = lookup([key], local=responses).get(key)
    if drawn is None or time.time() - drawn[0] >= _seconds():
        return None
    return drawn[1]


def _may_remember(request) -> bool:
    return _seconds() > 0 and request.method == "GET" and request.user.is_authenticated


def _reuse_or_answer(request, view: str, answer, kept, rebuilt):
    """What `answer()` gave last time for the same key, rebuilt by `rebuilt(entry)`; else its
    response, of which `kept(response)` is remembered (None: nothing)."""
    key = _key(request, view, request.user.pk)
    entry = _recall(key)
    if entry is not None:
        return rebuilt(entry)
    response = answer()
    if (entry := kept(response)) is not None:
        _remember(key, entry)
    return response


# -- pages ---------------------------------------------------------------------------------------

def _with_marker(content: bytes, request) -> bytes | None:
    """The page with this session's CSRF tokens replaced by the marker; None (not remembered)
    if it holds a token that is not this session's. Templates carry the token only in the form
    field `{% csrf_token %}` draws (tests/test_response_cache.py checks every remembered page
    for a token anywhere else)."""
    tokens = set(_FORM_TOKEN.findall(content))
    if not tokens:
        return content
    secret = request.META.get("CSRF_COOKIE")
    if not secret or any(_unmask_cipher_token(token.decode()) != secret for token in tokens):
        return None
    for token in tokens:
        content = content.replace(token, CSRF_MARKER.encode())
    return content


def _page_entry(response, request):
    if response.status_code != 200 or response.streaming or response.cookies:
        return None
    content = _with_marker(response.content, request)
    if content is None:
        return None
    headers = [(name, value) for name, value in response.items() if name.lower() not in _SKIPPED_HEADERS]
    return content, headers


def _page_from(entry, request) -> HttpResponse:
    content, headers = entry
    marker = CSRF_MARKER.encode()
    if marker in content:
        content = content.replace(marker, get_token(request).encode())
    response = HttpResponse(content)
    for name, value in headers:
        response[name] = value
    return response


def remembered_response(view):
    """Decorator for a view (a page, a poll's JSON) whose output depends only on the inputs
    listed above."""

    name = f"{view.__module__}.{view.__qualname__}"

    @wraps(view)
    def remembering(request, *args, **kwargs):
        if not _may_remember(request) or len(get_messages(request)):  # a message shows once
            return view(request, *args, **kwargs)
        return _reuse_or_answer(request, name, lambda: _rendered(view(request, *args, **kwargs)),
                                lambda response: _page_entry(response, request),
                                lambda entry: _page_from(entry, request))

    return remembering


def _rendered(response):
    if hasattr(response, "render") and not response.is_rendered:
        response.render()
    return response


# -- the API ------------------------------------------------------------------------------------

def remembered_api_data(request, view: str, answer):
    """A DRF handler's Response, or a copy of the data it gave last time for the same key (the
    renderer still runs, so content negotiation is unchanged)."""
    from rest_framework.response import Response

    if not _may_remember(request):
        return answer()
    return _reuse_or_answer(request, view, answer, _api_entry, Response)


def _api_entry(response):
    return response.data if response.status_code == 200 and not response.cookies else None


class RememberedReads:
    """ViewSet mixin: the actions in `remembered_actions` answer from the remembered data when
    the key matches. Lists by default; a one-object read only where clients ask for the same
    object again and again (a job being polled): for the rest, the miss costs more than the
    rare reuse saves (measured in docs/benchmarks.md)."""

    remembered_actions = ("list",)

    def _remembered(self, action: str, request, answer):
        if action not in self.remembered_actions:
            return answer()
        return remembered_api_data(request, f"{type(self).__module__}.{type(self).__qualname__}.{action}", answer)

    def list(self, request, *args, **kwargs):
        return self._remembered("list", request, lambda: super(RememberedReads, self).list(request, *args, **kwargs))

    def retrieve(self, request, *args, **kwargs):
        return self._remembered("retrieve", request,
                                lambda: super(RememberedReads, self).retrieve(request, *args, **kwargs))

"""Serving private files. The calling view has already checked ownership.

No bytes pass through a Django worker in production: S3 answers with a redirect to a
short-lived presigned URL; local storage behind nginx answers with X-Accel-Redirect to an
internal location (PRIVATE_MEDIA_ACCEL, see deploy/nginx/restore.conf), which nginx serves
itself. Without a proxy (development, tests) Django streams the file. Stored names never
change content (a new upload or result gets a new name), so every answer carries
validators (ETag, Last-Modified) and a long private cache lifetime; a revalidation is a
304 from a stat, without opening the file.
"""

import mimetypes
import os
from urllib.parse import quote

from django.conf import settings
from django.http import FileResponse, Http404, HttpResponse, HttpResponseNotModified, HttpResponseRedirect
from django.utils.cache import patch_cache_control
from django.utils.http import http_date, parse_etags, parse_http_date_safe, quote_etag

# Private copies may be kept this long; a revalidation after that is a cheap 304.
PRIVATE_MAX_AGE = 86400


def serve_file(request, fieldfile, *, filename: str, as_attachment: bool = False):
    if not fieldfile or not fieldfile.name:
        raise Http404
    return serve_stored(request, fieldfile.storage, fieldfile.name, filename=filename, as_attachment=as_attachment)


def serve_stored(request, storage, name: str, *, filename: str, as_attachment: bool = False):
    """Serve the file `name` of `storage` (checked by the caller) without reading it here."""
    try:
        path = storage.path(name)
    except NotImplementedError:
        return _presigned_redirect(storage, name, filename, as_attachment)
    try:
        stat = os.stat(path)
    except FileNotFoundError:
        raise Http404 from None
    etag = quote_etag(f"{stat.st_size:x}-{int(stat.st_mtime):x}")
    last_modified = http_date(int(stat.st_mtime))
    if request is not None and _not_modified(request, etag, int(stat.st_mtime)):
        response = HttpResponseNotModified()
    elif getattr(settings, "PRIVATE_MEDIA_ACCEL", False):
        response = _accel_redirect(name, filename, as_attachment)
    else:
        try:
            handle = storage.open(name, "rb")
        except FileNotFoundError:
            raise Http404 from None
        response = FileResponse(handle, as_attachment=as_attachment, filename=filename)
    response["ETag"] = etag
    response["Last-Modified"] = last_modified
    _private(response)
    return response


def _not_modified(request, etag: str, mtime: int) -> bool:
    if_none_match = request.META.get("HTTP_IF_NONE_MATCH")
    if if_none_match:
        return etag in parse_etags(if_none_match) or if_none_match.strip() == "*"
    since = parse_http_date_safe(request.META.get("HTTP_IF_MODIFIED_SINCE", ""))
    return since is not None and mtime <= since


def _accel_redirect(name: str, filename: str, as_attachment: bool) -> HttpResponse:
    """An empty answer telling nginx which internal file to send (it keeps these headers)."""
    response = HttpResponse(content_type=mimetypes.guess_type(filename)[0] or "application/octet-stream")
    response["X-Accel-Redirect"] = settings.PRIVATE_MEDIA_ACCEL_LOCATION.rstrip("/") + "/" + quote(name)
    disposition = "attachment" if as_attachment else "inline"
    response["Content-Disposition"] = f"{disposition}; filename*=UTF-8''{quote(filename, safe='')}"
    return response


def _presigned_redirect(storage, name: str, filename: str, as_attachment: bool):
    disposition = "attachment" if as_attachment else "inline"
    # RFC 5987 form so non-ASCII titles (Korean) survive.
    parameters = {"ResponseContentDisposition": f"{disposition}; filename*=UTF-8''{quote(filename, safe='')}"}
    url = storage.url(name, parameters=parameters)
    response = HttpResponseRedirect(url)
    # The signature expires: the redirect itself may be reused only well within that.
    patch_cache_control(response, private=True, max_age=min(300, getattr(storage, "querystring_expire", 300) // 2))
    response["X-Content-Type-Options"] = "nosniff"
    response["Referrer-Policy"] = "no-referrer"
    return response


def _private(response) -> None:
    patch_cache_control(response, private=True, max_age=PRIVATE_MAX_AGE)
    response["X-Content-Type-Options"] = "nosniff"
    response["Referrer-Policy"] = "no-referrer"

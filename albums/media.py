"""Serving private files. The calling view has already checked ownership.

Local storage streams the file through Django; S3 answers with a redirect to a
short-lived presigned URL so the bytes never pass through the web process.
"""

from urllib.parse import quote

from django.http import FileResponse, Http404, HttpResponseRedirect
from django.utils.cache import patch_cache_control


def serve_file(request, fieldfile, *, filename: str, as_attachment: bool = False):
    if not fieldfile or not fieldfile.name:
        raise Http404
    return serve_stored(request, fieldfile.storage, fieldfile.name, filename=filename, as_attachment=as_attachment)


def serve_stored(request, storage, name: str, *, filename: str, as_attachment: bool = False):
    """Serve the file `name` of `storage` (checked by the caller) without reading it here."""
    try:
        storage.path(name)
    except NotImplementedError:
        return _presigned_redirect(storage, name, filename, as_attachment)
    try:
        handle = storage.open(name, "rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, as_attachment=as_attachment, filename=filename)
    _private(response)
    return response


def _presigned_redirect(storage, name: str, filename: str, as_attachment: bool):
    disposition = "attachment" if as_attachment else "inline"
    # RFC 5987 form so non-ASCII titles (Korean) survive.
    parameters = {"ResponseContentDisposition": f"{disposition}; filename*=UTF-8''{quote(filename, safe='')}"}
    url = storage.url(name, parameters=parameters)
    response = HttpResponseRedirect(url)
    _private(response)
    return response


def _private(response) -> None:
    patch_cache_control(response, private=True, max_age=300)
    response["X-Content-Type-Options"] = "nosniff"
    response["Referrer-Policy"] = "no-referrer"

"""The library's upload endpoint: one file per request, JSON in and out, for the drop zone."""

from django.conf import settings
from django.http import JsonResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST

from albums.models import Album
from albums.upload_handlers import body_too_large, install_capped_handler
from albums.uploads import UploadRejected, ingest_photo, is_out_of_space, out_of_space, too_large_message
from billing.plan_notes import upload_notice


def _error(message: str, status: int) -> JsonResponse:
    return JsonResponse({"error": str(message)}, status=status)


def photo_json(photo) -> dict:
    return {
        "id": photo.pk,
        "title": photo.title,
        "width": photo.width,
        "height": photo.height,
        "thumbnail_url": reverse("photo_thumbnail", args=[photo.pk]),
        "detail_url": reverse("photo_detail", args=[photo.pk]),
    }


@csrf_exempt  # re-applied below, once the capped handler is in place (CSRF reads the body)
@require_POST
def photo_upload(request):
    if not request.user.is_authenticated:
        return _error(_("Your session has ended. Please sign in again."), 401)
    if body_too_large(request):
        return _error(too_large_message(settings.UPLOAD_MAX_BYTES), 413)
    install_capped_handler(request)
    return _upload(request)


@csrf_protect
def _upload(request):
    try:
        files = request.FILES.getlist("file")
    except OSError as exc:
        # A large body is spooled to a temporary file first: that disk can be full too.
        if not is_out_of_space(exc):
            raise
        refusal = out_of_space()
        return _error(refusal.message, refusal.status)
    if getattr(request, "upload_too_large", False):
        return _error(too_large_message(settings.UPLOAD_MAX_BYTES), 413)
    if len(files) != 1:
        return _error(_("Send exactly one file in the “file” field."), 400)
    album = None
    if album_id := request.POST.get("album", "").strip():
        album = Album.objects.filter(owner=request.user, pk=album_id if album_id.isdigit() else None).first()
        if album is None:
            return _error(_("This album does not exist."), 404)
    try:
        photo = ingest_photo(request.user, files[0], album=album)
    except UploadRejected as refusal:
        return _error(refusal.message, refusal.status)
    # Said now, not at Run: a photo above the plan's size limit is kept but cannot be enhanced.
    return JsonResponse({**photo_json(photo), **upload_notice(request.user, photo)}, status=201)

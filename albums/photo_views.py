"""The photo page and its actions: rename/move, delete, and the private file routes."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from albums.forms import PhotoForm
from albums.imaging import EXTENSION_FOR_FORMAT
from albums.media import serve_file, serve_stored
from albums.models import Photo
from albums.renditions import Preparing, Unavailable, locate_display
from restoreapp.response_cache import remembered_response


def _own_photo(request, pk) -> Photo:
    photo = get_object_or_404(Photo.objects.select_related("album"), pk=pk, owner=request.user)
    photo.owner = request.user  # the same person: the form and the plan need not load them again
    return photo


def _render_detail(request, photo, form, status=200):
    context = {"photo": photo, "album": photo.album, "form": form, "exif": photo.exif or {}}
    return render(request, "albums/photo_detail.html", context, status=status)


@login_required
@require_GET
@remembered_response
def photo_detail(request, pk):
    photo = _own_photo(request, pk)
    return _render_detail(request, photo, PhotoForm(instance=photo))


@login_required
@require_POST
def photo_update(request, pk):
    photo = _own_photo(request, pk)
    form = PhotoForm(request.POST, instance=photo)
    if not form.is_valid():
        photo.refresh_from_db()  # the invalid form must not leak half-applied values into the page
        return _render_detail(request, photo, form, status=400)
    form.save()
    messages.success(request, _("Photo saved."))
    return redirect("photo_detail", pk=photo.pk)


@login_required
@require_http_methods(["GET", "POST"])
def photo_delete(request, pk):
    photo = _own_photo(request, pk)
    if request.method == "POST":
        album = photo.album
        photo.delete()  # its files go once the transaction commits (albums.signals)
        messages.success(request, _("Photo deleted."))
        return redirect("album_detail", pk=album.pk) if album else redirect("home")
    return render(request, "albums/photo_confirm_delete.html", {"photo": photo})


def download_name(photo: Photo) -> str:
    """A safe file name from the title: titles can come from the API with any character in them."""
    stem = "".join(ch if ch.isprintable() and ch not in '/\\"' else "_" for ch in photo.title).strip(" .")
    return f"{stem or f'photo-{photo.pk}'}.{EXTENSION_FOR_FORMAT.get(photo.format, 'bin')}"


@login_required
@require_GET
def photo_original(request, pk):
    photo = _own_photo(request, pk)
    return serve_file(request, photo.original, filename=download_name(photo))


@login_required
@require_GET
def photo_download(request, pk):
    photo = _own_photo(request, pk)
    return serve_file(request, photo.original, filename=download_name(photo), as_attachment=True)


@login_required
@require_GET
def photo_thumbnail(request, pk):
    photo = _own_photo(request, pk)
    return serve_file(request, photo.thumbnail, filename=f"thumbnail-{photo.pk}.jpg")


@login_required
@require_GET
def photo_display(request, pk):
    """The photo at display size (albums.renditions): what pages show instead of the original.
    While a worker makes it for an older photo: 202 with Retry-After, which the page retries."""
    photo = _own_photo(request, pk)
    try:
        name = locate_display(photo)
    except Unavailable:
        raise Http404 from None
    except Preparing as waiting:
        response = HttpResponse(status=202)
        response["Retry-After"] = str(waiting.retry_after)
        response["Cache-Control"] = "no-store"
        return response
    return serve_stored(request, default_storage, name, filename=f"photo-{photo.pk}.jpg")

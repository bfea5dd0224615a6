"""Library pages: "All photos", albums and their create/rename/delete forms.

Every object is looked up through its owner, so anyone else gets 404.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from albums.forms import AlbumForm
from albums.models import Album
from albums.sidebar import albums_with_counts, remember_photo_total
from restoreapp.response_cache import remembered_response

PHOTOS_PER_PAGE = 60


def with_job_badges(photos):
    """Each photo marked `has_result` / `has_active_job` in the grid's own query (two EXISTS
    subqueries), so the badges cost no query per photo."""
    from enhance.models import Job, JobStatus

    jobs = Job.objects.filter(photo=OuterRef("pk"))
    return photos.annotate(
        has_result=Exists(jobs.filter(status=JobStatus.SUCCEEDED).exclude(result="")),
        has_active_job=Exists(jobs.filter(status__in=[JobStatus.QUEUED, JobStatus.RUNNING])),
    )


def _grid_context(request, photos, album=None):
    # Only what a tile shows (and its cache key is made of): the EXIF and file names stay in the database.
    tiles = photos.only("id", "owner_id", "album_id", "title", "uploaded_at")
    page = Paginator(with_job_badges(tiles), PHOTOS_PER_PAGE).get_page(request.GET.get("page"))
    return {
        "page": page,
        "photos": page.object_list,
        "upload_max_bytes": settings.UPLOAD_MAX_BYTES,
        # The selection bar's "Move to album": every album but the one shown (the sidebar's list).
        "move_targets": [item for item in albums_with_counts(request) if item.pk != getattr(album, "pk", None)],
    }


@remembered_response
def home(request):
    if not request.user.is_authenticated:  # a first visit shows the product, not a login form
        from showcase.views import landing

        return landing(request)
    photos = request.user.photos.all()
    context = {"album": None, **_grid_context(request, photos)}
    remember_photo_total(request, context["page"].paginator.count)  # the sidebar's "All photos"
    return render(request, "albums/library.html", context)


@login_required
@remembered_response
def album_detail(request, pk):
    album = get_object_or_404(Album, pk=pk, owner=request.user)
    context = {"album": album, **_grid_context(request, album.photos.all(), album)}
    return render(request, "albums/library.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def album_create(request):
    form = AlbumForm(request.POST or None, owner=request.user)
    if request.method == "POST":
        if form.is_valid():
            album = form.save()
            messages.success(request, _("Album “%(name)s” created.") % {"name": album.name})
            return redirect("album_detail", pk=album.pk)
        return render(request, "albums/album_form.html", {"form": form, "album": None}, status=400)
    return render(request, "albums/album_form.html", {"form": form, "album": None})


@login_required
@require_http_methods(["GET", "POST"])
def album_rename(request, pk):
    album = get_object_or_404(Album, pk=pk, owner=request.user)
    form = AlbumForm(request.POST or None, instance=album, owner=request.user)
    if request.method == "POST":
        if form.is_valid():
            form.save()
            messages.success(request, _("Album renamed."))
            return redirect("album_detail", pk=album.pk)
        return render(request, "albums/album_form.html", {"form": form, "album": album}, status=400)
    return render(request, "albums/album_form.html", {"form": form, "album": album})


@login_required
@require_http_methods(["GET", "POST"])
def album_delete(request, pk):
    album = get_object_or_404(Album, pk=pk, owner=request.user)
    if request.method == "POST":
        name = album.name
        album.delete()  # photos stay: Photo.album is SET_NULL
        messages.success(request, _("Album “%(name)s” deleted. Its photos are still in All photos.") % {"name": name})
        return redirect("home")
    return render(request, "albums/album_confirm_delete.html", {"album": album, "photo_count": album.photos.count()})

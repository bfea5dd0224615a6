"""Thumbnails for the admin: staff may see any photo's thumbnail (no public media URL exists)."""

from django.contrib.admin.views.decorators import staff_member_required
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from albums.media import serve_file
from albums.models import Photo


@staff_member_required
@require_GET
def admin_photo_thumbnail(request, pk):
    if not request.user.has_perm("albums.view_photo"):
        raise Http404
    photo = get_object_or_404(Photo, pk=pk)
    return serve_file(request, photo.thumbnail, filename=f"thumbnail-{photo.pk}.jpg")

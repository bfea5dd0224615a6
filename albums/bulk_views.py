"""Bulk actions on a grid's selection: move to an album, delete, download as a zip.
(Running one enhancement on the selection is enhance:submit_batch.)

Every action is a POST (CSRF-checked) of `photo` ids; ids of other people's photos are
ignored, an album that is not the person's is a 404. Move and delete are one transaction each:
a failure part-way leaves every photo as it was, and files go only once the delete commits
(albums.signals, enhance.signals)."""

from __future__ import annotations

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import DatabaseError, transaction
from django.db.models import OuterRef, Subquery
from django.http import JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from albums.models import Album
from albums.photo_views import download_name
from albums.selection import SelectionRefused, back_to, owned_photos
from albums.zipstream import Member, stream_zip, unique_names

log = logging.getLogger(__name__)


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _answer(request, *, ok: bool, message: str, status: int = 200, **body):
    """JSON for scripts (drag and drop, the API's clients); a message and a redirect for forms."""
    if _wants_json(request):
        return JsonResponse({**body, ("message" if ok else "error"): message}, status=status)
    (messages.success if ok else messages.error)(request, message)
    return redirect(back_to(request, reverse("home")))


def _refused(request, refusal: SelectionRefused):
    return _answer(request, ok=False, message=refusal.message, status=refusal.status)


@login_required
@require_POST
def bulk_move(request):
    """`album`: the target album's id, or `none` to take the photos out of their album."""
    target = request.POST.get("album", "").strip()
    if target == "none":
        album = None
    elif target.isdigit():
        album = get_object_or_404(Album, pk=target, owner=request.user)
    else:
        return _refused(request, SelectionRefused(_("Choose an album to move the photos to.")))
    try:
        photos = owned_photos(request.user, request.POST.getlist("photo"))
    except SelectionRefused as refusal:
        return _refused(request, refusal)
    with transaction.atomic():
        moved = photos.update(album=album)
    if album is None:
        text = ngettext("%(count)d photo taken out of its album.", "%(count)d photos taken out of their albums.",
                        moved) % {"count": moved}
    else:
        text = ngettext("%(count)d photo moved to “%(album)s”.", "%(count)d photos moved to “%(album)s”.",
                        moved) % {"count": moved, "album": album.name}
    return _answer(request, ok=True, message=text, moved=moved, album=album.pk if album else None)


@login_required
@require_POST
def bulk_delete(request):
    """The photos, their jobs and every file behind them, all or nothing."""
    try:
        photos = owned_photos(request.user, request.POST.getlist("photo"))
    except SelectionRefused as refusal:
        return _refused(request, refusal)
    try:
        with transaction.atomic():
            ids = list(photos.select_for_update().values_list("pk", flat=True))
            # The queryset delete sends post_delete for each photo and job: their files are
            # removed by on_commit callbacks, which a rollback discards.
            photos.model.objects.filter(pk__in=ids).delete()
    except DatabaseError:
        log.exception("bulk delete failed; rolled back")
        return _answer(request, ok=False, status=503,
                       message=_("The photos could not be deleted just now; nothing was deleted. Please try again."))
    text = ngettext("%(count)d photo deleted.", "%(count)d photos deleted.", len(ids)) % {"count": len(ids)}
    return _answer(request, ok=True, message=text, deleted=ids)


def _original_members(photos) -> list[Member]:
    names = unique_names(download_name(photo) for photo in photos)
    return [
        Member(name, photo.original.storage, photo.original.name, photo.bytes, photo.uploaded_at)
        for name, photo in zip(names, photos, strict=True)
    ]


def _result_members(photos) -> list[Member]:
    """Each photo's newest succeeded result that still has its file; photos without one are left out."""
    from enhance.models import Job, JobStatus
    from enhance.results import download_name as result_name

    newest = (Job.objects.filter(photo=OuterRef("photo"), status=JobStatus.SUCCEEDED).exclude(result="")
              .order_by("-finished_at", "-id").values("pk")[:1])
    jobs = list(
        Job.objects.filter(photo__in=photos, status=JobStatus.SUCCEEDED, pk=Subquery(newest))
        .exclude(result="").select_related("photo").order_by("photo__uploaded_at", "photo_id")
    )
    suffix = lambda job: job.result.name.rsplit(".", 1)[-1].lower() if "." in job.result.name else "png"  # noqa: E731
    names = unique_names(result_name(job, "png").rsplit(".", 1)[0] + "." + suffix(job) for job in jobs)
    return [
        Member(name, job.result.storage, job.result.name, job.result_bytes or 0, job.finished_at)
        for name, job in zip(names, jobs, strict=True)
    ]


@login_required
@require_POST
def bulk_download(request):
    """`what`: `originals` or `results` (each photo's newest result); a zip streamed as it is read."""
    what = request.POST.get("what", "originals")
    if what not in ("originals", "results"):
        return _refused(request, SelectionRefused(_("Choose what to download: originals or results.")))
    try:
        photos = list(owned_photos(request.user, request.POST.getlist("photo")).order_by("uploaded_at", "id"))
    except SelectionRefused as refusal:
        return _refused(request, refusal)
    members = _original_members(photos) if what == "originals" else _result_members(photos)
    if not members:
        return _refused(request, SelectionRefused(_("None of the selected photos has a result yet."), 404))
    response = StreamingHttpResponse(stream_zip(members), content_type="application/zip")
    filename = "restore-originals.zip" if what == "originals" else "restore-results.zip"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response

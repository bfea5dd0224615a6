"""Showing and downloading results. Only the owner ever gets the bytes; this process never decodes them."""

from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, render

from albums.media import serve_file, serve_stored
from enhance.models import Job, JobStatus
from enhance.renditions import display_name
from enhance.results import PreparationFailed, Preparing, UnknownFormat, download_name, locate_download


def _owned_result(request, job_id: int) -> Job:
    # A result can be gone from a succeeded job (deleted by plan retention): 404 too.
    jobs = Job.objects.select_related("photo").exclude(result="")
    return get_object_or_404(jobs, pk=job_id, owner=request.user, status=JobStatus.SUCCEEDED)


@login_required
def result_view(request, job_id: int):
    """The display rendition, inline (the before/after slider's image); the result itself
    for results stored before renditions existed."""
    job = _owned_result(request, job_id)
    view = display_name(job.result.name)
    if default_storage.exists(view):
        return serve_stored(request, default_storage, view, filename=f"result-{job.pk}.jpg")
    return serve_file(request, job.result, filename=download_name(job, "png"))


@login_required
def result_full(request, job_id: int):
    """The result itself, inline: what the viewer loads once zoomed past the display rendition."""
    job = _owned_result(request, job_id)
    return serve_file(request, job.result, filename=download_name(job, "png"))


@login_required
def result_download(request, job_id: int):
    """?format=original|png|jpeg|webp (default original), as an attachment; a page that
    reloads itself while a worker prepares a format for the first time."""
    job = _owned_result(request, job_id)
    try:
        download = locate_download(job, request.GET.get("format", "original"), request.GET.get("background"))
    except UnknownFormat as exc:
        return JsonResponse({"error": str(exc)}, status=400)
    except PreparationFailed as exc:
        return JsonResponse({"error": str(exc)}, status=503)
    except Preparing as waiting:
        response = render(request, "enhance/preparing_download.html",
                          {"job": job, "retry_after": waiting.retry_after}, status=202)
        response["Retry-After"] = str(waiting.retry_after)
        response["Cache-Control"] = "no-store"
        return response
    return serve_stored(request, default_storage, download.name, filename=download.filename, as_attachment=True)

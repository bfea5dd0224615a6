"""Showing and downloading results. Only the owner ever gets the bytes."""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404

from albums.media import serve_file
from enhance.models import Job, JobStatus
from enhance.results import UnknownFormat, download_name, render_result


def _owned_result(request, job_id: int) -> Job:
    # A result can be gone from a succeeded job (deleted by plan retention): 404 too.
    jobs = Job.objects.select_related("photo").exclude(result="")
    return get_object_or_404(jobs, pk=job_id, owner=request.user, status=JobStatus.SUCCEEDED)


@login_required
def result_view(request, job_id: int):
    """The stored result, inline (the before/after slider's image)."""
    job = _owned_result(request, job_id)
    return serve_file(request, job.result, filename=download_name(job, "png"))


@login_required
def result_download(request, job_id: int):
    """?format=original|png|jpeg|webp (default original), as an attachment."""
    job = _owned_result(request, job_id)
    fmt = request.GET.get("format", "original")
    try:
        if fmt.lower() == "png":
            return serve_file(request, job.result, filename=download_name(job, "png"), as_attachment=True)
        body, content_type, filename = render_result(job, fmt)
    except UnknownFormat as exc:
        return JsonResponse({"error": str(exc)}, status=400)
    if isinstance(body, bytes | bytearray):
        response = HttpResponse(body, content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
    return FileResponse(body, as_attachment=True, filename=filename, content_type=content_type)

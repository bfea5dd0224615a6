"""Live state for polling pages, and the "My jobs" page."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.cache import never_cache

from albums.sidebar import albums_with_counts
from enhance.models import Job, JobStatus
from enhance.status import job_payload
from restoreapp.response_cache import remembered_response

_MAX_IDS = 100


@never_cache
@login_required
@remembered_response
def job_status(request, job_id: int):
    job = get_object_or_404(Job.objects.select_related("photo"), pk=job_id, owner=request.user)
    return JsonResponse(job_payload(job))


@never_cache
@login_required
@remembered_response
def jobs_status(request):
    """?ids=1,2,3: the state of several of the user's jobs at once (unknown ids are left out)."""
    raw = request.GET.get("ids", "")
    ids = [int(part) for part in raw.split(",") if part.strip().isdigit()][:_MAX_IDS]
    jobs = Job.objects.filter(owner=request.user, pk__in=ids)
    return JsonResponse({"jobs": [job_payload(job) for job in jobs]})


@login_required
@remembered_response
def my_jobs(request):
    status = request.GET.get("status", "")
    jobs = Job.objects.filter(owner=request.user).select_related("photo")
    if status in JobStatus.values:
        jobs = jobs.filter(status=status)
    else:
        status = ""
    page = Paginator(jobs, 25).get_page(request.GET.get("page"))
    context = {"page": page, "jobs": page.object_list, "status": status, "statuses": JobStatus.choices,
               "albums": albums_with_counts(request)}  # the sidebar's, already read (by name)
    return render(request, "enhance/my_jobs.html", context)

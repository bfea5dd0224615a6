"""Starting, cancelling and deleting jobs from the web UI."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from albums.models import Album, Photo
from enhance import services
from enhance.batch_summary import batch_summary
from enhance.choices import model_and_options
from enhance.models import Job
from enhance.status import job_payload


def wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "") or request.headers.get(
        "X-Requested-With") == "XMLHttpRequest"


def safe_next(request, fallback: str) -> str:
    """The form's `next` when it is a path on this site; anything else (another host, a
    scheme, `//host`, a backslash trick) would make the form an open redirect."""
    target = request.POST.get("next", "")
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts=set(), require_https=request.is_secure()
    ):
        return target
    return fallback


def photo_url(photo_id: int) -> str:
    try:
        return reverse("photo_detail", args=[photo_id])
    except NoReverseMatch:
        return reverse("enhance:my_jobs")


def refused(request, refusal: services.SubmitRefused, back_url: str):
    if wants_json(request):
        body = {"error": refusal.message}
        if refusal.upgrade_url:
            body["upgrade_url"] = refusal.upgrade_url
        return JsonResponse(body, status=refusal.status)
    context = {"message": refusal.message, "upgrade_url": refusal.upgrade_url, "back_url": back_url}
    return render(request, "enhance/refused.html", context, status=refusal.status)


@login_required
@require_POST
def submit(request, photo_id: int):
    photo = get_object_or_404(Photo, pk=photo_id, owner=request.user)
    try:
        model_id, options = model_and_options(request.POST)
        job = services.submit(request.user, photo, model_id, options)
    except services.SubmitRefused as refusal:
        return refused(request, refusal, photo_url(photo.pk))
    if wants_json(request):
        return JsonResponse(job_payload(job), status=202)
    messages.success(request, _("Queued. You will be notified when it is done."))
    return redirect(f"{photo_url(photo.pk)}#job-{job.pk}")


@login_required
@require_POST
def submit_batch(request):
    """One model on the selected photos (`photo` repeated) or on a whole album (`album`); one
    summary of what started and what was refused, shown back on `next` (the grid) when given."""
    photos = Photo.objects.filter(owner=request.user)
    album_id = request.POST.get("album")
    back = safe_next(request, reverse("enhance:my_jobs"))

    def refuse(refusal):  # from a grid (`next`), the reason is shown back on the grid
        if "next" in request.POST and not wants_json(request):
            messages.error(request, refusal.message)
            return redirect(back)
        return refused(request, refusal, back)

    if album_id:
        album = get_object_or_404(Album, pk=album_id, owner=request.user)
        photos = photos.filter(album=album)
    else:
        ids = [value for value in request.POST.getlist("photo") if value.isdigit()]
        photos = photos.filter(pk__in=ids)
    photos = list(photos.order_by("uploaded_at", "id"))
    if not photos:
        return refuse(services.SubmitRefused(_("Select at least one of your photos.")))
    try:
        model_id, options = model_and_options(request.POST)
        outcome = services.submit_batch(request.user, photos, model_id, options)
    except services.SubmitRefused as refusal:
        return refuse(refusal)
    summary = batch_summary(request.user, outcome)
    if wants_json(request):
        body = {
            "jobs": [job_payload(job) for job in outcome.jobs],
            "refused": [{"photo": photo.pk, "error": why.message, "code": why.code} for photo, why in outcome.refused],
            "summary": summary,
        }
        if not outcome.jobs:
            first = outcome.refused[0][1]
            body.update(error=summary, **({"upgrade_url": first.upgrade_url} if first.upgrade_url else {}))
            return JsonResponse(body, status=first.status)
        return JsonResponse(body, status=202)
    if not outcome.jobs and "next" not in request.POST:
        return refused(request, outcome.refused[0][1], back)
    show = messages.error if not outcome.jobs else messages.warning if outcome.refused else messages.success
    show(request, summary)
    return redirect(back)


@login_required
@require_POST
def cancel(request, job_id: int):
    job = get_object_or_404(Job, pk=job_id, owner=request.user)
    job = services.cancel(request.user, job)
    if wants_json(request):
        return JsonResponse(job_payload(job))
    messages.info(request, _("Canceled.") if job.is_terminal else _("Canceling…"))
    return redirect(safe_next(request, photo_url(job.photo_id)))


@login_required
@require_POST
def delete(request, job_id: int):
    """Delete a finished job and its result file. A running job must be canceled first."""
    job = get_object_or_404(Job, pk=job_id, owner=request.user)
    if not job.is_terminal:
        refusal = services.SubmitRefused(_("This job is still running: cancel it first."), 409)
        return refused(request, refusal, photo_url(job.photo_id))
    photo_id = job.photo_id
    with transaction.atomic():
        job.delete()  # the result file goes after the commit (enhance.signals)
    if wants_json(request):
        return JsonResponse({"deleted": job_id})
    messages.info(request, _("Result deleted."))
    return redirect(safe_next(request, photo_url(photo_id)))

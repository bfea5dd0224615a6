"""The in-app notification list, and the small JSON the bell and browser notifications poll."""

from django.contrib.auth.decorators import login_required
from django.contrib.humanize.templatetags.humanize import naturaltime
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from enhance.notifications.models import Notification
from restoreapp.response_cache import remembered_response


@login_required
@remembered_response
def notification_list(request):
    items = list(Notification.objects.filter(user=request.user)[:100])
    for item in items:  # "3 minutes ago" is part of what a cached row was drawn from
        item.when = naturaltime(item.created_at)
    response = render(request, "enhance/notifications.html", {"notifications": items})
    # Opening the list reads them; the page shows which ones were new before this visit.
    Notification.objects.filter(user=request.user, read_at__isnull=True).update(read_at=timezone.now())
    return response


@never_cache
@login_required
@remembered_response
def unread(request):
    """{count, latest_id, items: newer than ?after=<id>} for the bell and the Notification API."""
    unread_qs = Notification.objects.filter(user=request.user, read_at__isnull=True)
    after = request.GET.get("after", "")
    newer = Notification.objects.filter(user=request.user)
    newer = newer.filter(pk__gt=int(after)) if after.isdigit() else newer.none()
    latest = Notification.objects.filter(user=request.user).values_list("pk", flat=True).first()
    return JsonResponse({
        "count": unread_qs.count(),
        "latest_id": latest or 0,
        "items": [{"id": n.pk, "message": n.text, "url": n.url} for n in newer.order_by("pk")[:10]],
    })


@login_required
@require_POST
def mark_all_read(request):
    Notification.objects.filter(user=request.user, read_at__isnull=True).update(read_at=timezone.now())
    if request.headers.get("Accept", "").startswith("application/json"):
        return JsonResponse({"count": 0})
    return redirect("enhance:notifications")

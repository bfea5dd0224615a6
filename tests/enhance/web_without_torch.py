"""Run by test_web_never_imports_torch in a fresh interpreter with a stack's environment: a web
process (the Django test client, no worker code) that submits jobs, then serves every page, API
route and admin page, and reports whether torch (or any engine pipeline) was imported.

Prints one line: "REPORT {json}"."""

import io
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "restoreapp.settings")

import django

django.setup()

from django.contrib import admin  # noqa: E402
from django.core.files.base import ContentFile  # noqa: E402
from django.core.files.storage import default_storage  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import URLPattern, URLResolver, get_resolver, reverse  # noqa: E402
from django.utils import timezone  # noqa: E402
from PIL import Image  # noqa: E402

from accounts.models import User  # noqa: E402
from albums.models import Album, Photo  # noqa: E402
from enhance.capabilities.models import WorkerCapability  # noqa: E402
from enhance.models import Job  # noqa: E402

user = User.objects.get(email="stack@example.com")
photo = Photo.objects.filter(owner=user).first()
album = Album.objects.filter(owner=user).first() or Album.objects.create(owner=user, name="An album")
Photo.objects.filter(pk=photo.pk).update(album=album)
client = Client()
client.force_login(user)
visits: list[tuple[str, int]] = []  # ("GET /url", status) in order


def visit(method: str, url: str, **kwargs) -> int:
    response = getattr(client, method)(url, **kwargs)
    if hasattr(response, "streaming_content"):
        b"".join(response.streaming_content)
    visits.append((f"{method.upper()} {url}", response.status_code))
    return response.status_code


# Submission through the page and the API: availability and limits from the live record.
visit("post", reverse("enhance:submit", args=[photo.pk]), data={"type": "sr"}, HTTP_ACCEPT="application/json")
visit("post", "/api/v1/jobs/", data={"photo": photo.pk, "model": "waifu2x", "options": {"scale": 2}},
      content_type="application/json")
visit("post", reverse("enhance:submit", args=[photo.pk]), data={"type": "restore"}, HTTP_ACCEPT="application/json")
job = Job.objects.filter(owner=user).order_by("pk").first()
# What a worker would have written: a finished job with a result file.
buffer = io.BytesIO()
Image.new("RGB", (64, 64), (10, 120, 200)).save(buffer, "PNG")
name = default_storage.save(f"results/{user.pk}/job{job.pk}-a1.png", ContentFile(buffer.getvalue()))
Job.objects.filter(pk=job.pk).update(status="succeeded", result=name, result_width=64, result_height=64,
                                     result_bytes=len(buffer.getvalue()), finished_at=timezone.now(), progress=100)
worker = WorkerCapability.objects.first()

ids = {"album": album.pk, "photo": photo.pk, "job": job.pk}


def value_for(route: str, param: str) -> int:
    if param == "job_id" or route.startswith(("jobs/", "api/v1/jobs/")):
        return ids["job"]
    if param == "photo_id" or "photos/" in route:
        return ids["photo"]
    return ids["album"]


skipped = []


def walk(patterns, prefix=""):
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            if route == "admin/":
                continue
            walk(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern):
            converters = getattr(pattern.pattern, "converters", {})
            if route.count("^") or route.count("(?P"):  # allauth's keyed links, the API's catch-all
                skipped.append(route)
                continue
            url = "/" + route
            for param in converters:
                url = url.replace(f"<int:{param}>", str(value_for(route, param)))
            visit("get", url)  # a GET never acts (deletions and logout ask to confirm)


walk(get_resolver().url_patterns)
for fmt in ("original", "png", "jpeg", "webp"):
    visit("get", reverse("enhance:result_download", args=[job.pk]) + f"?format={fmt}")
    visit("get", f"/api/v1/jobs/{job.pk}/result/?format={fmt}")
visit("get", "/api/v1/models/")
visit("get", "/api/schema/")
# The admin: its index, every registered model's list and add pages, some change pages, the dashboard.
visit("get", "/admin/")
visit("get", reverse("admin:enhance_dashboard"))
for model in admin.site._registry:
    opts = model._meta
    visit("get", reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
for obj in (job, photo, album, worker, user):
    opts = obj._meta
    visit("get", reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk]))

import psutil  # noqa: E402

rss_mb = psutil.Process().memory_info().rss / 2**20
heavy = sorted(m for m in sys.modules if m == "torch" or m.startswith(("torch.", "enhance.engine.pipelines")))
print("REPORT " + json.dumps({"visits": visits, "skipped": skipped, "heavy": heavy[:20], "rss_mb": round(rss_mb, 1),
                              "jobs": list(Job.objects.values_list("model", "status"))}))

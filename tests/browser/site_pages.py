"""The site's main pages, with content on them, for checks that visit every page (accessibility,
no English on the Korean pages).

`signed_in_pages()` makes a user's library (an album, a photo with a result, a running, a queued
and a failed job, notifications) and returns the pages to visit as (name, path). A new page is
one more row in SIGNED_IN_PAGES or ANONYMOUS_PAGES; pages that need a POST get a small
function in POSTED_PAGES."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from tests import factories

# Paths any visitor can open.
ANONYMOUS_PAGES = [
    ("landing", "/"),
    ("login", "/accounts/login/"),
    ("sign-up", "/accounts/signup/"),
    ("password reset", "/accounts/password/reset/"),
    ("pricing (signed out)", "/billing/pricing/"),
]


@dataclass
class Library:
    user: object
    album: object
    empty_album: object
    photo: object
    succeeded: object


def make_library(user, *, album_name: str, photo_title: str, empty_album_name: str = "Empty") -> Library:
    """Everything the signed-in pages show: an album, a photo in it with a result, jobs in every
    state a person meets, both kinds of notification, and an empty album (a batch on it is refused)."""
    from enhance.models import Job, JobStatus
    from enhance.notifications.service import notify_job_finished
    from enhance.stored_text import message

    album = factories.make_album(user, album_name)
    empty_album = factories.make_album(user, empty_album_name)
    photo = factories.make_photo(user, album, title=photo_title,
                                 data=factories.image_bytes("JPEG", size=(160, 120)), name="family.jpg")
    now = timezone.now()
    options = {"style": "photo", "scale": 2, "noise": 1}
    succeeded = Job.objects.create(
        owner=user, photo=photo, model="waifu2x", options=options, status=JobStatus.SUCCEEDED, progress=100,
        stage="Done", started_at=now, finished_at=now, result_width=320, result_height=240,
        compute_seconds=1.5, device="cpu", precision="fp32",
    )
    png = factories.image_bytes("PNG", size=(320, 240))
    succeeded.result.save(f"results/{user.pk}/job{succeeded.pk}-a1.png", ContentFile(png), save=False)
    succeeded.result_bytes = len(png)
    succeeded.save()
    notify_job_finished(succeeded)
    failed = Job.objects.create(
        owner=user, photo=photo, model="realsr", options={}, status=JobStatus.FAILED, stage="Failed",
        started_at=now, finished_at=now,
        error="These options cannot be used on this photo: %(reason)s",
        error_params={"reason": message("%(option)s must be one of %(allowed)s; got %(value)s.",
                                        option={"option": "style", "of": "waifu2x"},
                                        allowed={"allowed": "style", "of": "waifu2x"}, value="7")},
    )
    notify_job_finished(failed)
    Job.objects.create(owner=user, photo=photo, model="waifu2x", options={"style": "art", "scale": 2, "noise": 0},
                       status=JobStatus.RUNNING, stage="waifu2x pass 1/2", progress=40, started_at=now,
                       heartbeat=now, worker="browser-test")
    Job.objects.create(owner=user, photo=photo, model="realsr", options={}, stage="Waiting for a worker")
    return Library(user=user, album=album, empty_album=empty_album, photo=photo, succeeded=succeeded)


def signed_in_pages(library: Library) -> list[tuple[str, str]]:
    return [
        ("library", reverse("home")),
        ("album", reverse("album_detail", args=[library.album.pk])),
        ("new album", reverse("album_create")),
        ("photo with results", reverse("photo_detail", args=[library.photo.pk])),
        ("my jobs and the batch form", reverse("enhance:my_jobs")),
        ("notifications", reverse("enhance:notifications")),
        ("settings", reverse("settings")),
        ("pricing", reverse("billing:pricing")),
        ("billing account", reverse("billing:account")),
        ("preparing a download", reverse("enhance:result_download", args=[library.succeeded.pk]) + "?format=jpeg"),
    ]


def open_batch_refusal(page, base_url: str, library: Library) -> None:
    """The page a batch that cannot start lands on (an album with no photos)."""
    page.goto(f"{base_url}{reverse('enhance:my_jobs')}")
    page.locator("[data-batch] summary").click()
    page.select_option("#batch-album", str(library.empty_album.pk))
    with page.expect_navigation():
        page.locator("[data-batch-form] button[type=submit]").click()
    assert "/photos/enhance-batch/" in page.url, page.url


# Pages reached by submitting a form: (name, function(page, base_url, library) that leaves the page on it).
POSTED_PAGES = [
    ("batch refused", open_batch_refusal),
]

"""What the album sidebar shows, looked up once per request: the page's own queries (the
library's count, the selection bar's "Move to album" list) reuse it instead of asking again."""

from django.db.models import Count

from restoreapp.request_memo import known_for_request, once_per_request


def albums_with_counts(request) -> list:
    """The signed-in person's albums, each with `photo_count`."""
    return once_per_request(request, "albums", lambda: list(request.user.albums.annotate(photo_count=Count("photos"))))


def photo_total(request) -> int:
    """How many photos the person has ("All photos" in the sidebar)."""
    return once_per_request(request, "photo_total", request.user.photos.count)


def remember_photo_total(request, total: int) -> None:
    """The library page has just counted every photo of the person for its pages."""
    known_for_request(request, "photo_total", total)

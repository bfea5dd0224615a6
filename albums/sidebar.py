"""What the album sidebar shows, looked up once per request: the page's own queries (the
library's count, the selection bar's "Move to album" list) reuse it instead of asking again."""

from django.db.models import Count


def albums_with_counts(request) -> list:
    """The signed-in person's albums, each with `photo_count`."""
    if getattr(request, "_restore_albums", None) is None:
        request._restore_albums = list(request.user.albums.annotate(photo_count=Count("photos")))
    return request._restore_albums


def photo_total(request) -> int:
    """How many photos the person has ("All photos" in the sidebar)."""
    if getattr(request, "_restore_photo_total", None) is None:
        request._restore_photo_total = request.user.photos.count()
    return request._restore_photo_total


def remember_photo_total(request, total: int) -> None:
    """The library page has just counted every photo of the person for its pages."""
    request._restore_photo_total = total

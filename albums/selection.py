"""The photos a bulk action acts on: the `photo` ids a grid's selection posts, narrowed to the
signed-in person's own photos. Ids of anyone else's photos are dropped, never acted on; what is
left must not be empty."""

from __future__ import annotations

from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from albums.models import Photo

# A grid page holds 60; the API may send more, but one request must stay one bounded transaction.
MAX_SELECTION = 500


class SelectionRefused(Exception):
    """Bad input for a bulk action; `message` is for the person, `status` the HTTP status."""

    def __init__(self, message: str, status: int = 400):
        self.message = message
        self.status = status
        super().__init__(message)


def selected_ids(values: list[str]) -> list[int]:
    ids = []
    for value in values:
        value = str(value).strip()
        if not value.isdigit():
            raise SelectionRefused(_("“%(value)s” is not a photo id.") % {"value": value[:20]})
        ids.append(int(value))
    if len(set(ids)) > MAX_SELECTION:
        raise SelectionRefused(
            ngettext(
                "Select at most %(limit)d photo at once.", "Select at most %(limit)d photos at once.", MAX_SELECTION
            ) % {"limit": MAX_SELECTION}
        )
    return sorted(set(ids))


def owned_photos(user, values: list[str]):
    """A queryset of the person's photos among the posted ids; SelectionRefused when none is theirs."""
    ids = selected_ids(values)
    photos = Photo.objects.filter(owner=user, pk__in=ids) if ids else Photo.objects.none()
    if not ids or not photos.exists():
        raise SelectionRefused(_("Select at least one of your photos."))
    return photos


def back_to(request, fallback: str) -> str:
    """The form's `next` when it is a path on this site (never an open redirect), else `fallback`."""
    target = request.POST.get("next", "")
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts=set(), require_https=request.is_secure()
    ):
        return target
    return fallback

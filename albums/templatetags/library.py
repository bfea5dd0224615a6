from django import template
from django.db.models import Count

register = template.Library()


@register.inclusion_tag("includes/album_sidebar.html", takes_context=True)
def album_sidebar(context, current_album=None):
    """The left album navigation, on every page of a signed-in user."""
    request = context["request"]
    user = request.user
    albums = list(user.albums.annotate(photo_count=Count("photos"))) if user.is_authenticated else []
    total = user.photos.count() if user.is_authenticated else 0
    return {"albums": albums, "total": total, "current_album": current_album, "request": request, "user": user}


@register.filter
def filesize_mb(value) -> str:
    return f"{round((value or 0) / 1_048_576, 1):g}"


@register.simple_tag
def icon(name: str, size: int = 16) -> str:
    """A Bootstrap Icons glyph from the locally served sprite; decorative (the control that holds
    it carries the accessible name as visible or visually hidden text)."""
    from django.templatetags.static import static
    from django.utils.html import format_html

    return format_html(
        '<svg class="bi" width="{}" height="{}" aria-hidden="true" focusable="false"><use href="{}#{}"></use></svg>',
        size,
        size,
        static("icons/bootstrap-icons-subset.svg"),
        name,
    )

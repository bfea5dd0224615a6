import functools

from django import template
from django.conf import settings
from django.core.signals import setting_changed
from django.template.loader import render_to_string

from albums.sidebar import albums_with_counts, photo_total
from restoreapp.fragment_cache import MARKERS, fill_in, fragment, render_rows

register = template.Library()


@register.simple_tag(takes_context=True)
def album_sidebar(context, current_album=None):
    """The left album navigation, on every page of a signed-in user."""
    request = context["request"]
    user = request.user
    albums = albums_with_counts(request) if user.is_authenticated else []
    total = photo_total(request) if user.is_authenticated else 0
    on_home = getattr(request.resolver_match, "url_name", None) == "home"
    key = ("album_sidebar", [(album.pk, album.name, album.photo_count) for album in albums], total,
           getattr(current_album, "pk", None), on_home)
    return fragment(key, lambda: render_to_string("includes/album_sidebar.html", {
        "albums": albums, "total": total, "current_album": current_album, "on_home": on_home}))


@register.filter
def filesize_mb(value) -> str:
    return f"{round((value or 0) / 1_048_576, 1):g}"


@register.simple_tag
def icon(name: str, size: int = 16) -> str:
    """A Bootstrap Icons glyph from the locally served sprite; decorative (the control that holds
    it carries the accessible name as visible or visually hidden text)."""
    return _icon(name, size, settings.STATIC_URL)


@functools.lru_cache(maxsize=256)
def _icon(name: str, size: int, static_url: str) -> str:
    # Remembered: a page draws a dozen icons and the static manifest lookup is the slow part;
    # the manifest only changes with a deploy, which starts new processes.
    from django.templatetags.static import static
    from django.utils.html import format_html

    return format_html(
        '<svg class="bi" width="{}" height="{}" aria-hidden="true" focusable="false"><use href="{}#{}"></use></svg>',
        size,
        size,
        static("icons/bootstrap-icons-subset.svg"),
        name,
    )


setting_changed.connect(lambda **_: _icon.cache_clear(), weak=False, dispatch_uid="icon_cache_settings")


@register.simple_tag(takes_context=True)
def cached_rows(context, template_name: str, items, name: str):
    """Each item through a row template, reusing rows rendered before for the same data
    (restoreapp.fragment_cache.py)."""
    return fill_in(render_rows(template_name, items, name), context)


@register.tag
def remember(parser, token):
    """`{% remember value ... %}...{% endremember %}`: the enclosed markup drawn once per distinct
    set of values (plus the language and time zone), then taken from the fragment cache. List
    every value the block shows, except two it may use freely: `csrf_token` and `here` (the
    request's path and query), filled in for each request."""
    values = [parser.compile_filter(bit) for bit in token.split_contents()[1:]]
    nodelist = parser.parse(("endremember",))
    parser.delete_first_token()
    return RememberNode(nodelist, values, f"{parser.origin.name}:{token.lineno}")


class RememberNode(template.Node):
    def __init__(self, nodelist, values, where: str):
        self.nodelist, self.values, self.where = nodelist, values, where

    def render(self, context):
        def draw():
            with context.push(**MARKERS):
                return self.nodelist.render(context)

        return fill_in(fragment(("remember", self.where, [value.resolve(context) for value in self.values]), draw),
                       context)

from django.contrib import admin
from django.db.models import Count
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from albums.models import Album, Photo


def _thumbnail_tag(photo: Photo, size: int):
    if not photo.pk or not photo.thumbnail:
        return "-"
    url = reverse("admin_photo_thumbnail", args=[photo.pk])
    # Thumbnails are square crops already: no style needed (the CSP refuses inline styles).
    return format_html('<img src="{}" width="{}" height="{}" alt="">', url, size, size)


class PhotoInline(admin.TabularInline):
    model = Photo
    fields = ["preview", "title", "format", "width", "height", "uploaded_at"]
    readonly_fields = fields
    extra = 0
    show_change_link = True
    can_delete = False

    @admin.display(description=_("preview"))
    def preview(self, photo):
        return _thumbnail_tag(photo, 48)

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Album)
class AlbumAdmin(admin.ModelAdmin):
    list_display = ["name", "owner", "photo_count", "created_at"]
    list_filter = ["created_at"]
    search_fields = ["name", "owner__email"]
    raw_id_fields = ["owner"]
    date_hierarchy = "created_at"
    list_select_related = ["owner"]
    inlines = [PhotoInline]

    def get_queryset(self, request):
        # One COUNT per row was an N+1 on the album list; annotate it in the list query.
        return super().get_queryset(request).annotate(photo_total=Count("photos"))

    @admin.display(description=_("photos"), ordering="photo_total")
    def photo_count(self, album):
        return album.photo_total


@admin.register(Photo)
class PhotoAdmin(admin.ModelAdmin):
    list_display = ["preview", "__str__", "owner", "album", "format", "width", "height", "bytes", "uploaded_at"]
    list_display_links = ["preview", "__str__"]
    list_filter = ["format", "uploaded_at", ("album", admin.EmptyFieldListFilter)]
    search_fields = ["title", "owner__email", "album__name", "sha256"]
    list_select_related = ["owner", "album"]
    raw_id_fields = ["owner", "album"]
    date_hierarchy = "uploaded_at"
    readonly_fields = [
        "large_preview", "original", "thumbnail", "width", "height", "format", "bytes", "sha256", "taken_at",
        "exif", "uploaded_at",
    ]
    fields = ["large_preview", "owner", "album", "title", *readonly_fields[1:]]

    @admin.display(description=_("preview"))
    def preview(self, photo):
        return _thumbnail_tag(photo, 64)

    @admin.display(description=_("preview"))
    def large_preview(self, photo):
        return _thumbnail_tag(photo, 240)

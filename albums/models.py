from django.conf import settings
from django.db import models
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _


class Album(models.Model):
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="albums")
    name = models.CharField(_("name"), max_length=120)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self):
        return self.name


class Photo(models.Model):
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="photos")
    # Deleting an album keeps its photos: they fall back to "All photos".
    album = models.ForeignKey(Album, null=True, blank=True, on_delete=models.SET_NULL, related_name="photos")
    title = models.CharField(_("title"), max_length=200, blank=True)
    original = models.FileField(max_length=255)
    thumbnail = models.FileField(max_length=255)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    format = models.CharField(max_length=16)
    bytes = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    taken_at = models.DateTimeField(null=True, blank=True)
    # A short, human-readable EXIF summary taken at upload (camera, exposure, ...), for the photo page.
    exif = models.JSONField(default=dict, blank=True)
    uploaded_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-uploaded_at", "-id"]
        indexes = [
            models.Index(fields=["owner", "-uploaded_at"]),
            # An album's page lists its photos newest first.
            models.Index(fields=["album", "-uploaded_at", "-id"], name="photo_album_recent"),
        ]

    def __str__(self):
        return self.title or f"photo {self.pk}"

    @property
    def display_title(self) -> str:
        """What people and screen readers read for the photo: its title, else when it was uploaded
        (a photo's title starts as its file name; the owner may clear it)."""
        if self.title.strip():
            return self.title
        when = formats.date_format(timezone.localtime(self.uploaded_at), "DATETIME_FORMAT") if self.uploaded_at else ""
        return _("Photo uploaded %(when)s") % {"when": when} if when else _("Photo")

    def derived_files(self) -> list[tuple[object, str]]:
        """Files made from the original (its display rendition), deleted with it (albums.files)."""
        from albums.renditions import display_name

        if not self.original or not self.original.name:
            return []
        return [(self.original.storage, display_name(self.original.name))]

    @property
    def megapixels(self) -> float:
        return self.width * self.height / 1_000_000

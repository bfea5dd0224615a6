from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from albums.imaging import EXTENSION_FOR_FORMAT
from albums.models import Album, Photo
from restoreapp.api_fields import OwnedPrimaryKeyRelatedField
from restoreapp.api_row_cache import CachedListSerializer, CachedRepresentation


class AlbumSerializer(serializers.ModelSerializer):
    photo_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Album
        fields = ["id", "name", "created_at", "photo_count"]
        read_only_fields = ["id", "created_at", "photo_count"]

    def validate_name(self, value: str) -> str:
        if not value.strip():
            raise serializers.ValidationError(_("An album needs a name."), code="blank")
        return value.strip()


PHOTO_FORMATS = tuple(EXTENSION_FOR_FORMAT)  # what ingest_photo stores: JPEG, PNG, WEBP


def _album_field(**kwargs):
    return OwnedPrimaryKeyRelatedField(
        model=Album, allow_null=True, required=False,
        help_text=_("Id of one of your albums; null: no album (\"All photos\")."), **kwargs
    )


class PhotoSerializer(CachedRepresentation, serializers.ModelSerializer):
    """A photo as the API shows it (changes go through PhotoUpdateSerializer): every field is
    always present, so the schema marks them all required."""

    album = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True, help_text=_("Id of one of your albums; null: no album (\"All photos\").")
    )
    format = serializers.ChoiceField(choices=PHOTO_FORMATS, read_only=True)
    original_url = serializers.SerializerMethodField()
    thumbnail_url = serializers.SerializerMethodField()
    above_plan_limit = serializers.SerializerMethodField()

    class Meta:
        model = Photo
        list_serializer_class = CachedListSerializer
        fields = [
            "id", "album", "title", "width", "height", "format", "bytes", "taken_at", "uploaded_at",
            "original_url", "thumbnail_url", "above_plan_limit",
        ]
        read_only_fields = fields

    def representation_key(self, photo: Photo) -> tuple:
        return (self._plan(photo).code,)

    def _plan(self, photo: Photo):
        from billing.policy import plan_for, plan_for_request

        request = self.context.get("request")
        if request is not None and request.user.pk == photo.owner_id:
            return plan_for_request(request)  # the caller's own photos: once per request
        if "plan" not in self.context:  # no request: one look-up per serializer, not per photo
            self.context["plan"] = plan_for(photo.owner)
        return self.context["plan"]

    def _absolute(self, name: str, photo: Photo) -> str:
        url = reverse(name, kwargs={"pk": photo.pk})
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url

    @extend_schema_field(serializers.URLField(help_text=_("Download with the same token.")))
    def get_original_url(self, photo: Photo) -> str:
        return self._absolute("api_photo-original", photo)

    @extend_schema_field(serializers.URLField(help_text=_("A small JPEG preview; same token.")))
    def get_thumbnail_url(self, photo: Photo) -> str:
        return self._absolute("api_photo-thumbnail", photo)

    @extend_schema_field(serializers.BooleanField(
        help_text=_("True when the photo is larger than the owner's plan enhances (`me/` has `max_pixels`); "
                    "jobs on it are refused with 402 and an upgrade_url.")))
    def get_above_plan_limit(self, photo: Photo) -> bool:
        from billing.plan_notes import photo_above_plan

        return photo_above_plan(self._plan(photo), photo.width, photo.height)


class PhotoUpdateSerializer(serializers.ModelSerializer):
    album = _album_field()

    class Meta:
        model = Photo
        fields = ["title", "album"]
        extra_kwargs = {"title": {"required": False}}


class PhotoUploadSerializer(serializers.Serializer):
    file = serializers.FileField(
        allow_empty_file=True,  # ingest_photo refuses empty files with the web's message
        use_url=False,
        help_text=_("JPEG, PNG, WebP, HEIC/HEIF, TIFF or BMP."),
    )
    album = _album_field()
    title = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


ORDERINGS = ("-uploaded_at", "uploaded_at", "title", "-title", "taken_at", "-taken_at")


class PhotoListQuerySerializer(serializers.Serializer):
    album = serializers.IntegerField(
        required=False, min_value=1, max_value=2**63 - 1, help_text=_("Only photos in this album of yours.")
    )
    ordering = serializers.ChoiceField(choices=ORDERINGS, required=False, default="-uploaded_at")

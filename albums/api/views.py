"""Albums and photos of the caller. Every queryset starts from the caller's own rows."""

from django.conf import settings
from django.db.models import Count
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.response import Response

from albums.api.serializers import (
    AlbumSerializer,
    PhotoListQuerySerializer,
    PhotoSerializer,
    PhotoUpdateSerializer,
    PhotoUploadSerializer,
)
from albums.media import serve_file
from albums.models import Album, Photo
from albums.upload_handlers import body_too_large, install_capped_handler
from albums.uploads import UploadRejected, ingest_photo, too_large_message
from restoreapp.api_errors import ApiError
from restoreapp.api_fields import BinaryDownloadMixin, OwnedQuerysetMixin, binary_responses, query_values
from restoreapp.api_schema import errors
from restoreapp.api_throttles import UploadThrottle
from restoreapp.response_cache import RememberedReads


@extend_schema_view(
    list=extend_schema(summary="Your albums"),
    create=extend_schema(summary="Create an album"),
    retrieve=extend_schema(summary="One album"),
    update=extend_schema(summary="Rename an album"),
    partial_update=extend_schema(summary="Rename an album"),
    destroy=extend_schema(summary="Delete an album (its photos stay, outside any album)"),
)
class AlbumViewSet(RememberedReads, OwnedQuerysetMixin, viewsets.ModelViewSet):
    """Albums group photos; deleting one keeps its photos."""

    serializer_class = AlbumSerializer
    owned_model = Album

    def get_queryset(self):
        # Aggregation drops Meta.ordering; pagination needs a stable order.
        return self.owned_queryset().annotate(photo_count=Count("photos")).order_by("name", "id")

    def perform_create(self, serializer):
        album = serializer.save(owner=self.request.user)
        album.photo_count = 0

    def perform_update(self, serializer):
        album = serializer.save()
        album.photo_count = album.photos.count()


@extend_schema_view(
    list=extend_schema(summary="Your photos", parameters=[PhotoListQuerySerializer]),
    retrieve=extend_schema(summary="One photo"),
    partial_update=extend_schema(
        summary="Change a photo's title or album",
        request={"application/json": PhotoUpdateSerializer},
        responses=PhotoSerializer,
    ),
    destroy=extend_schema(summary="Delete a photo, its files and its jobs' results"),
    create=extend_schema(
        summary="Upload a photo",
        description="The same checks as the web upload; a refused file leaves nothing behind.",
        request={"multipart/form-data": PhotoUploadSerializer},
        responses={201: PhotoSerializer, **errors(413, 429)},
    ),
)
class PhotoViewSet(
    RememberedReads,
    OwnedQuerysetMixin,
    BinaryDownloadMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Photos are uploaded with multipart/form-data; files are downloaded with the same token."""

    serializer_class = PhotoSerializer
    owned_model = Photo
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    binary_actions = ("original", "thumbnail")
    throttled_actions = ("create",)
    location_actions = ("create",)

    def get_throttles(self):
        return [UploadThrottle()] if self.action == "create" else []

    def get_parsers(self):
        # Chosen before the action is known: POST is only the upload (a file needs multipart);
        # PATCH takes JSON, like every other body in the API.
        return [MultiPartParser()] if getattr(self.request, "method", None) == "POST" else [JSONParser()]

    def get_queryset(self):
        queryset = self.owned_queryset()
        if self.action == "list":
            query = PhotoListQuerySerializer(data=query_values(self.request))
            query.is_valid(raise_exception=True)
            if "album" in query.validated_data:
                queryset = queryset.filter(album_id=query.validated_data["album"])
            ordering = query.validated_data["ordering"]
            queryset = queryset.order_by(ordering, "-id" if ordering.startswith("-") else "id")
        return queryset.select_related("album")

    def get_serializer_class(self):
        if self.action == "partial_update":
            return PhotoUpdateSerializer
        return PhotoSerializer

    def initial(self, request, *args, **kwargs):
        if self.action == "create":
            # Before anything parses the body (session authentication's CSRF check may): stop
            # reading a file part as soon as it passes the cap, as the web upload does.
            install_capped_handler(request._request)
        super().initial(request, *args, **kwargs)

    def create(self, request, *args, **kwargs):
        if body_too_large(request._request):
            # The declared body cannot hold a file under the cap: refuse before reading it.
            raise ApiError(too_large_message(settings.UPLOAD_MAX_BYTES), status_code=413, code="too_large")
        upload = PhotoUploadSerializer(data=request.data, context=self.get_serializer_context())
        if getattr(request._request, "upload_too_large", False):
            raise ApiError(too_large_message(settings.UPLOAD_MAX_BYTES), status_code=413, code="too_large")
        upload.is_valid(raise_exception=True)
        data = upload.validated_data
        try:
            photo = ingest_photo(request.user, data["file"], album=data.get("album"), title=data.get("title", ""))
        except UploadRejected as refusal:
            raise ApiError(refusal.message, status_code=refusal.status, code=_upload_code(refusal.status)) from None
        body = PhotoSerializer(photo, context=self.get_serializer_context()).data
        location = request.build_absolute_uri(reverse("api_photo-detail", kwargs={"pk": photo.pk}))
        return Response(body, status=status.HTTP_201_CREATED, headers={"Location": location})

    def update(self, request, *args, **kwargs):
        kwargs["partial"] = True
        super().update(request, *args, **kwargs)
        photo = self.get_object()
        return Response(PhotoSerializer(photo, context=self.get_serializer_context()).data)

    @extend_schema(summary="Download the original", responses=binary_responses(_("The stored original.")))
    @action(detail=True, methods=["get"], url_path="original")
    def original(self, request, pk=None):
        photo = self.get_object()
        return serve_file(request, photo.original, filename=_download_name(photo, photo.original.name))

    @extend_schema(summary="Download the thumbnail", responses=binary_responses(_("A JPEG preview."), ("image/jpeg",)))
    @action(detail=True, methods=["get"], url_path="thumbnail")
    def thumbnail(self, request, pk=None):
        photo = self.get_object()
        return serve_file(request, photo.thumbnail, filename=f"thumbnail-{photo.pk}.jpg")


def _upload_code(status_code: int) -> str:
    codes = {413: "too_large", 415: "unsupported_media_type", 507: "insufficient_storage"}
    return codes.get(status_code, "invalid_image")


def _download_name(photo: Photo, stored_name: str) -> str:
    extension = stored_name.rsplit(".", 1)[-1] if "." in stored_name else "jpg"
    stem = photo.title or f"photo-{photo.pk}"
    return f"{stem}.{extension}"

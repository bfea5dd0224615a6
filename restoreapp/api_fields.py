"""Serializer pieces shared by the apps' APIs."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema_field
from rest_framework import serializers


@extend_schema_field(OpenApiTypes.INT)
class OwnedPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """A foreign key a client may only point at its own objects.

    Someone else's id gets exactly the answer a missing id gets, so ids cannot be
    probed for existence.
    """

    default_error_messages = {
        "does_not_exist": _("No such object among yours (id {pk_value})."),
        "incorrect_type": _("Expected an id (a whole number), got {data_type}."),
    }

    def __init__(self, model=None, **kwargs):
        self.model = model
        super().__init__(**kwargs)

    def get_queryset(self):
        request = self.context.get("request")
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return self.model.objects.none()
        return self.model.objects.filter(owner=user)


IMAGE_MEDIA_TYPES = ("image/jpeg", "image/png", "image/webp")


def binary_responses(description: str, media_types=IMAGE_MEDIA_TYPES) -> dict:
    """extend_schema responses for a file download: the bytes, or (S3 storage) a redirect to them."""
    responses = {(200, media_type): OpenApiResponse(OpenApiTypes.BINARY, description=description)
                 for media_type in media_types}
    responses[302] = OpenApiResponse(description=_("With S3 storage: a redirect to a short-lived signed URL."))
    return responses


class BinaryDownloadMixin:
    """For views whose actions answer with file bytes: any Accept header gets the file
    (negotiation is forced to the JSON renderer, used only for error bodies)."""

    binary_actions: tuple[str, ...] = ()

    def perform_content_negotiation(self, request, force=False):
        return super().perform_content_negotiation(request, force=force or self.action in self.binary_actions)


class OwnedQuerysetMixin:
    """Viewsets list only the caller's rows; ids in paths are integers (anything else: 404)."""

    lookup_value_converter = "int"
    owned_model = None

    def owned_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return self.owned_model.objects.none()
        return self.owned_model.objects.filter(owner=self.request.user)


def query_values(request) -> dict:
    """Query parameters as a plain dict, so that `?status=` is validated as an empty value
    (DRF would quietly ignore it in a QueryDict) and answered with 400."""
    return request.query_params.dict()

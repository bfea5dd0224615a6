"""Models and enhancement jobs of the caller. Jobs are created and cancelled only through enhance.services."""

from django.conf import settings
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from albums.media import serve_stored
from billing.policy import plan_for
from enhance.api.serializers import (
    JobCreateSerializer,
    JobListQuerySerializer,
    JobResultQuerySerializer,
    JobSerializer,
    ModelInfoSerializer,
    ResultPreparingSerializer,
)
from enhance.models import Job, JobStatus
from enhance.results import PreparationFailed, Preparing, UnknownFormat, locate_download
from enhance.services import SubmitRefused, cancel, submit
from restoreapp.api_errors import ApiError
from restoreapp.api_fields import BinaryDownloadMixin, OwnedQuerysetMixin, binary_responses, query_values
from restoreapp.api_schema import errors
from restoreapp.api_throttles import JobSubmissionThrottle
from restoreapp.response_cache import RememberedReads, remembered_api_data

_REFUSAL_CODES = {400: "invalid", 402: "payment_required", 404: "not_found"}


def absolute_site_url(url: str) -> str:
    """A path on the site as a full URL (SITE_URL): a phone has no page to resolve it against."""
    if not url or "://" in url:
        return url
    return settings.SITE_URL.rstrip("/") + url


class ModelListView(APIView):
    @extend_schema(operation_id="models_list", summary="Every model, its options, and whether you can run it",
                   description="Labels, help and reasons are in the request's language (Accept-Language).",
                   responses=ModelInfoSerializer(many=True), tags=["models"])
    def get(self, request):
        return remembered_api_data(request, "enhance.api.views.ModelListView", lambda: self._models(request))

    def _models(self, request):
        from enhance.availability import model_availability
        from enhance.engine.catalog import get_spec
        from enhance.engine_text import kind_label, localized_impossible, localized_options, model_label

        plan = plan_for(request.user)
        models = []
        for model_id, entry in model_availability().items():
            available, reason = entry.available, entry.reason
            spec = get_spec(model_id)
            models.append({
                "id": model_id,
                "label": model_label(model_id),
                "summary": _(spec.summary),
                "available": available,
                "reason": reason,
                "allowed_by_plan": plan.allows_model(model_id),
                "options": localized_options(model_id),
                "impossible": localized_impossible(model_id),
                "uses": [{"kind": use.kind, "label": kind_label(use.kind), "preset": dict(use.preset)}
                         for use in spec.uses],
            })  # fmt: skip
        return Response(ModelInfoSerializer(models, many=True).data)


@extend_schema_view(
    list=extend_schema(summary="Your jobs, newest first", parameters=[JobListQuerySerializer]),
    retrieve=extend_schema(summary="A job's status, progress, timings and result link"),
    create=extend_schema(
        summary="Run a model on one of your photos",
        description="Answers 202 at once; poll the URL in `Location` until `status` is terminal.",
        request=JobCreateSerializer,
        responses={202: JobSerializer, **errors(402, 429)},
    ),
)
class JobViewSet(
    RememberedReads,
    OwnedQuerysetMixin,
    BinaryDownloadMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """An enhancement job runs one model on one photo in the background."""

    serializer_class = JobSerializer
    owned_model = Job
    remembered_actions = ("list", "retrieve")  # an app polls a running job
    binary_actions = ("result",)
    throttled_actions = ("create",)
    location_actions = ("create",)

    def get_throttles(self):
        return [JobSubmissionThrottle()] if self.action == "create" else []

    def get_queryset(self):
        queryset = self.owned_queryset()
        if self.action != "list":
            # Downloads name the file after the photo; the list shows only the photo's id.
            queryset = queryset.select_related("photo")
        else:
            query = JobListQuerySerializer(data=query_values(self.request))
            query.is_valid(raise_exception=True)
            filters = {key: value for key, value in query.validated_data.items()}
            if "photo" in filters:
                filters["photo_id"] = filters.pop("photo")
            queryset = queryset.filter(**filters)
        return queryset

    def create(self, request, *args, **kwargs):
        form = JobCreateSerializer(data=request.data, context=self.get_serializer_context())
        form.is_valid(raise_exception=True)
        data = form.validated_data
        try:
            job = submit(request.user, data["photo"], data["model"], data["options"])
        except SubmitRefused as refusal:
            if refusal.field and refusal.status == 400:
                raise ValidationError({refusal.field: [refusal.message]}) from None
            raise ApiError(refusal.message, status_code=refusal.status,
                           code=_REFUSAL_CODES.get(refusal.status, "refused"),
                           upgrade_url=absolute_site_url(refusal.upgrade_url)) from None
        location = request.build_absolute_uri(reverse("api_job-detail", kwargs={"pk": job.pk}))
        body = JobSerializer(job, context=self.get_serializer_context()).data
        return Response(body, status=status.HTTP_202_ACCEPTED, headers={"Location": location})

    @extend_schema(summary="Cancel a job", description="A queued job ends at once; a running one stops "
                   "between tiles. Cancelling a canceled job is a no-op.", request=None,
                   responses={200: JobSerializer, **errors(409)})
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        job = self.get_object()
        if job.status in (JobStatus.SUCCEEDED, JobStatus.FAILED):
            raise ApiError(_("This job has already finished (%(status)s).") % {"status": job.get_status_display()},
                           status_code=409, code="already_finished")
        job = cancel(request.user, job)
        return Response(JobSerializer(job, context=self.get_serializer_context()).data)

    @extend_schema(summary="Download the result",
                   description="PNG is the stored result. Another format is made by a worker on first request: "
                   "until it is ready the answer is 202 `{\"status\": \"preparing\"}` with `Retry-After`; ask "
                   "again. `download_formats` on the job lists the formats that can hold the result.",
                   parameters=[JobResultQuerySerializer],
                   responses={**binary_responses(gettext_lazy("The enhanced image.")), 202: ResultPreparingSerializer,
                              **errors(400, 409, 503)})
    @action(detail=True, methods=["get"])
    def result(self, request, pk=None):
        job = self.get_object()
        query = JobResultQuerySerializer(data=query_values(request))
        query.is_valid(raise_exception=True)
        if job.status != JobStatus.SUCCEEDED or not job.result:
            raise ApiError(_("This job has no result (status: %(status)s).") % {"status": job.get_status_display()},
                           status_code=409, code="no_result")
        try:
            download = locate_download(job, query.validated_data["format"], query.validated_data["background"])
        except UnknownFormat as exc:
            raise ApiError(str(exc)) from None
        except PreparationFailed as exc:
            raise ApiError(str(exc), status_code=503, code="preparation_failed") from None
        except Preparing as waiting:
            return Response({"status": "preparing", "retry_after": waiting.retry_after}, status=202,
                            headers={"Retry-After": str(waiting.retry_after), "Cache-Control": "no-store"})
        return serve_stored(request, default_storage, download.name, filename=download.filename, as_attachment=True)

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from albums.models import Photo
from enhance.api.choices import DeviceTypeField, ModelIdField, PrecisionField
from enhance.models import Job, JobStatus
from enhance.results import offered_formats
from restoreapp.api_fields import OwnedPrimaryKeyRelatedField
from restoreapp.api_row_cache import CachedListSerializer, CachedRepresentation


class ModelOptionValueSerializer(serializers.Serializer):
    value = serializers.JSONField(help_text=_("What to send for this option."))
    label = serializers.CharField(help_text=_("The value as people read it, in the request's language."))
    help = serializers.CharField(allow_blank=True)


class ModelOptionSerializer(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()
    choices = serializers.ListField(child=serializers.JSONField(), help_text=_("Every allowed value."))
    default = serializers.JSONField(help_text=_("Used when the option is left out."))
    help = serializers.CharField(allow_blank=True)
    kind = serializers.ChoiceField(choices=["choice", "bool"], help_text=_("bool: true or false."))
    values = ModelOptionValueSerializer(many=True, help_text=_("Every allowed value with its label."))
    applies_when = serializers.DictField(
        child=serializers.ListField(child=serializers.JSONField()),
        help_text=_("Other options' values this option matters with; empty: always."),
    )


class ImpossibleCombinationSerializer(serializers.Serializer):
    when = serializers.DictField(
        child=serializers.ListField(child=serializers.JSONField()),
        help_text=_("Option name -> values; options taking one of their values all together are refused."),
    )
    reason = serializers.CharField(help_text=_("Why, in the request's language."))


class ModelUseSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text=_("What the web page calls this use (sr, 2dsr, restore, …)."))
    label = serializers.CharField()
    preset = serializers.DictField(child=serializers.JSONField(), help_text=_("Options this use fixes."))


class ModelInfoSerializer(serializers.Serializer):
    id = ModelIdField(help_text=_("Pass it as `model` when submitting a job."))
    label = serializers.CharField()
    summary = serializers.CharField(help_text=_("What the model is for, in the request's language."))
    available = serializers.BooleanField(help_text=_("Whether the weights are installed on the server."))
    reason = serializers.CharField(allow_blank=True, help_text=_("Why not available; empty when available."))
    allowed_by_plan = serializers.BooleanField(help_text=_("Whether your plan lets you run it."))
    options = ModelOptionSerializer(many=True)
    impossible = ImpossibleCombinationSerializer(many=True, help_text=_("Option combinations that are refused."))
    uses = ModelUseSerializer(many=True)


class JobCreateSerializer(serializers.Serializer):
    photo = OwnedPrimaryKeyRelatedField(model=Photo, help_text=_("Id of one of your photos."))
    model = ModelIdField(help_text=_("A model id from models/."))
    options = serializers.DictField(
        child=serializers.JSONField(), required=False, default=dict,
        help_text=_("Option name -> value, as listed by models/; omitted options take their defaults."),
    )


class JobListQuerySerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=JobStatus.choices, required=False)
    photo = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1)


class JobResultQuerySerializer(serializers.Serializer):
    format = serializers.ChoiceField(
        choices=["original", "png", "jpeg", "webp"], required=False, default="original",
        help_text=_("Image format of the download; `original`: the uploaded photo's format."),
    )
    background = serializers.ChoiceField(
        choices=["white", "black", "grey"], required=False, default="white",
        help_text=_("For a JPEG of a result with transparency (`result_has_alpha`): the colour "
                    "the transparent parts are placed on."),
    )


class ResultPreparingSerializer(serializers.Serializer):
    status = serializers.CharField(help_text=_("Always `preparing`."))
    retry_after = serializers.IntegerField(help_text=_("Seconds to wait before asking again."))


class JobSerializer(CachedRepresentation, serializers.ModelSerializer):
    model = ModelIdField()
    device = DeviceTypeField()
    precision = PrecisionField()
    eta_seconds = serializers.SerializerMethodField()
    download_formats = serializers.SerializerMethodField()
    result_url = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()
    # Stored untranslated (enhance.stored_text); worded here in the request's language.
    stage = serializers.CharField(source="stage_text", read_only=True,
                                  help_text=_("What the job is doing, in the request's language."))
    error = serializers.CharField(source="error_text", read_only=True,
                                  help_text=_("Why the job failed, in the request's language; empty otherwise."))

    class Meta:
        model = Job
        list_serializer_class = CachedListSerializer
        fields = [
            "id", "url", "photo", "model", "options", "status", "progress", "stage", "error", "attempts",
            "queued_at", "started_at", "finished_at", "eta_seconds", "compute_seconds", "device", "precision",
            "result_url", "result_width", "result_height", "result_bytes", "result_has_alpha", "download_formats",
        ]
        read_only_fields = fields

    def representation_key(self, job: Job) -> tuple:
        return (job.eta_seconds(),)

    def _absolute(self, url: str) -> str:
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url

    @extend_schema_field(serializers.IntegerField(allow_null=True, help_text=_("Rough seconds left while running.")))
    def get_eta_seconds(self, job: Job):
        return job.eta_seconds()

    @extend_schema_field(serializers.ListField(
        child=serializers.CharField(),
        help_text=_("Formats the result can be downloaded in (`png`, `jpeg`, `webp`); empty without a result.")))
    def get_download_formats(self, job: Job) -> list[str]:
        if job.status != JobStatus.SUCCEEDED or not job.result:
            return []
        return offered_formats(job)

    @extend_schema_field(serializers.URLField())
    def get_url(self, job: Job) -> str:
        return self._absolute(reverse("api_job-detail", kwargs={"pk": job.pk}))

    @extend_schema_field(
        serializers.URLField(allow_null=True, help_text=_("Download (same token) once the job has succeeded."))
    )
    def get_result_url(self, job: Job):
        if job.status != JobStatus.SUCCEEDED or not job.result:
            return None
        return self._absolute(reverse("api_job-result", kwargs={"pk": job.pk}))

from allauth.account.adapter import get_adapter
from allauth.account.utils import filter_users_by_email
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from accounts.api.plan import PLAN_CODES


class CredentialsSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(max_length=4096, trim_whitespace=False, style={"input_type": "password"})


class RegisterSerializer(CredentialsSerializer):
    """The web sign-up's checks: allauth's email cleaning and uniqueness, the same password validators."""

    def validate_email(self, value: str) -> str:
        adapter = get_adapter()
        value = adapter.clean_email(value.lower())
        if filter_users_by_email(value):
            raise serializers.ValidationError(adapter.error_messages["email_taken"], code="email_taken")
        return value

    def validate(self, attrs):
        candidate = get_user_model()(email=attrs["email"])
        try:
            get_adapter().clean_password(attrs["password"], user=candidate)
        except DjangoValidationError as exc:
            raise serializers.ValidationError({"password": list(exc.messages)}, code="password_invalid") from None
        return attrs


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(
        allow_null=True,
        help_text=_("Send it as `Authorization: Token <token>`. Shown once; only its hash is stored."),
    )
    expiry = serializers.DateTimeField(
        allow_null=True, help_text=_("When the token stops working unless it is used (each use extends it).")
    )


class UsageSerializer(serializers.Serializer):
    jobs_this_month = serializers.IntegerField(help_text=_("Jobs submitted since the start of this month."))
    jobs_remaining = serializers.IntegerField(help_text=_("Jobs left this month."))
    period_start = serializers.DateField(help_text=_("First day of the month being counted."))
    resets_on = serializers.DateField(help_text=_("When the monthly count starts again."))
    renews_at = serializers.DateField(allow_null=True, help_text=_("When a paid plan renews or ends."))
    cancel_at_period_end = serializers.BooleanField(help_text=_("The paid plan ends at `renews_at`."))


class LimitsSerializer(serializers.Serializer):
    jobs_per_month = serializers.IntegerField()
    max_pixels = serializers.IntegerField(help_text=_("Largest input (width x height) a job accepts."))
    retention_days = serializers.IntegerField(
        allow_null=True, help_text=_("Days results are kept; null: until you delete them.")
    )
    models = serializers.ListField(child=serializers.CharField(), help_text=_("Model ids the plan allows."))
    upload_max_bytes = serializers.IntegerField()


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    plan = serializers.ChoiceField(choices=PLAN_CODES)
    usage = UsageSerializer()
    limits = LimitsSerializer()

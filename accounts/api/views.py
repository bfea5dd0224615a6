"""Sign-up, tokens and the caller's account, for mobile clients."""

from allauth.account.adapter import get_adapter
from allauth.account.utils import setup_user_email
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from knox.models import get_token_model
from knox.settings import knox_settings
from rest_framework import permissions, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api import ratelimits, verification
from accounts.api.auth import TokenAuthentication
from accounts.api.plan import me_payload
from accounts.api.serializers import CredentialsSerializer, MeSerializer, RegisterSerializer, TokenSerializer
from restoreapp.api_errors import ApiError
from restoreapp.api_schema import errors
from restoreapp.response_cache import remembered_api_data


def _issue_token(user) -> dict:
    tokens = get_token_model().objects
    instance, token = tokens.create(user=user, expiry=knox_settings.TOKEN_TTL)
    tokens.filter(user=user, expiry__lt=timezone.now()).delete()  # requests no longer sweep them
    # Logging in again and again must not grow the table without end: keep the newest ones.
    keep = knox_settings.TOKEN_LIMIT_PER_USER
    if keep:
        stale = tokens.filter(user=user).order_by("-created").values_list("digest", flat=True)[keep:]
        tokens.filter(digest__in=list(stale)).delete()
    return TokenSerializer({"token": token, "expiry": instance.expiry}).data


class RegisterView(APIView):
    # No session authentication: it would demand a CSRF token from a browser that has a cookie.
    authentication_classes = []
    permission_classes = [permissions.AllowAny]

    @extend_schema(
        operation_id="auth_register",
        summary="Create an account and get a token",
        description="When the server requires email addresses to be confirmed, the answer has `token: null` and "
        "a confirmation link is emailed; log in with auth/token/ once the address is confirmed.",
        request=RegisterSerializer,
        responses={201: TokenSerializer, **errors(400, 415, 429)},
        tags=["auth"],
    )
    def post(self, request):
        ratelimits.consume_signup(request._request)
        serializer = RegisterSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            with transaction.atomic():
                user = get_user_model().objects.create_user(
                    email=serializer.validated_data["email"], password=serializer.validated_data["password"]
                )
                setup_user_email(request._request, user, [])
        except IntegrityError:  # the same address, registered a moment ago by a parallel request
            taken = get_adapter().error_messages["email_taken"]
            raise ValidationError({"email": [str(taken)]}, code="email_taken") from None
        if verification.sends_links():
            verification.send_link(request._request, user)
        if verification.blocks_login(user):
            return Response({"token": None, "expiry": None}, status=status.HTTP_201_CREATED)
        return Response(_issue_token(user), status=status.HTTP_201_CREATED)


class TokenView(APIView):
    def get_authenticators(self):
        # Logging in ignores any Authorization header: an old or revoked token a client still
        # sends must not turn a right password into a 401. Only logging out needs the token.
        if getattr(self.request, "method", None) == "POST":
            return []
        return [TokenAuthentication()]

    def get_permissions(self):
        if self.request.method == "POST":
            return [permissions.AllowAny()]
        return [permissions.IsAuthenticated()]

    @extend_schema(
        operation_id="auth_token_create",
        summary="Log in: exchange email and password for a token",
        description="403 `email_unverified`: the server requires the email address to be confirmed first; "
        "the link is sent again.",
        request=CredentialsSerializer,
        responses={200: TokenSerializer, **errors(400, 401, 403, 415, 429)},
        tags=["auth"],
    )
    def post(self, request):
        serializer = CredentialsSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        adapter = get_adapter(request._request)
        credentials = {
            "email": serializer.validated_data["email"],
            "password": serializer.validated_data["password"],
        }
        try:
            # allauth's authenticate counts failures against ACCOUNT_RATE_LIMITS["login_failed"],
            # the very counters the web login uses.
            user = adapter.authenticate(request._request, **credentials)
        except DjangoValidationError:
            raise ratelimits.refuse("login_failed", adapter.error_messages["too_many_login_attempts"]) from None
        if user is None:
            raise ValidationError(str(adapter.error_messages["email_password_mismatch"]), code="invalid_credentials")
        if verification.blocks_login(user):
            verification.send_link(request._request, user)
            raise ApiError(_("Confirm your email address first: we have sent you a link."), status_code=403,
                           code="email_unverified")
        return Response(_issue_token(user))

    @extend_schema(
        operation_id="auth_token_revoke",
        summary="Log out: revoke the token this request was made with",
        request=None,
        responses={204: None, **errors(400, 401)},
        tags=["auth"],
    )
    def delete(self, request):
        if request.auth is None:
            raise ApiError(_("This request was not made with a token."), code="no_token")
        request.auth.delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeView(APIView):
    @extend_schema(operation_id="me", summary="Your account, plan, usage and limits", responses=MeSerializer,
                   tags=["account"])
    def get(self, request):
        return remembered_api_data(request, "accounts.api.views.MeView",
                                   lambda: Response(MeSerializer(me_payload(request.user)).data))

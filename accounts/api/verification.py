"""Email verification for API sign-ups and logins, as the web applies it (ACCOUNT_EMAIL_VERIFICATION).

With "mandatory", the web lets nobody in before the address is confirmed; the API must not
be a way around that, so it issues no token until then and (re)sends the link instead.
"""

from allauth.account import app_settings
from allauth.account.internal.flows.email_verification import send_verification_email_for_user
from allauth.account.utils import has_verified_email


def sends_links() -> bool:
    return app_settings.EMAIL_VERIFICATION != app_settings.EmailVerificationMethod.NONE


def blocks_login(user) -> bool:
    mandatory = app_settings.EMAIL_VERIFICATION == app_settings.EmailVerificationMethod.MANDATORY
    return mandatory and not has_verified_email(user)


def send_link(request, user) -> None:
    """allauth rate-limits these mails itself (ACCOUNT_RATE_LIMITS["confirm_email"])."""
    send_verification_email_for_user(request, user)

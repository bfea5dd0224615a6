"""The web sign-up and login rate limits (settings.ACCOUNT_RATE_LIMITS), applied to the API.

allauth's own counters are used, so a client cannot get more attempts by switching
between the web form and the API: both draw on the same per-IP and per-email budgets.
"""

from allauth.core import ratelimit
from allauth.core.internal.ratelimit import get_rates
from django.utils.translation import gettext as _
from rest_framework.exceptions import Throttled


def retry_after(action: str) -> int:
    """The longest window among the action's rates: waiting that long always frees a slot."""
    rates = get_rates(app="allauth.account", action=action)
    return int(max((rate.duration for rate in rates), default=60))


def refuse(action: str, message: str):
    return Throttled(wait=retry_after(action), detail=str(message))


def consume_signup(request) -> None:
    """Count one sign-up attempt from this IP; raise 429 when the budget is spent."""
    if not ratelimit.consume(request, action="signup"):
        raise refuse("signup", _("Too many sign-ups from your address. Try again later."))

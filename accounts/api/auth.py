"""Token authentication for the API: knox's, without its sweep of the person's other tokens.

knox deletes every expired token of the token's owner on each request it authenticates, which
costs a query per API call. An expired token is still refused (and deleted) when it is used,
and the others are swept when the person logs in again (accounts/api/views.py, _issue_token)."""

from django.utils import timezone
from knox.auth import TokenAuthentication as KnoxTokenAuthentication
from knox.signals import token_expired


class TokenAuthentication(KnoxTokenAuthentication):
    def _cleanup_token(self, auth_token) -> bool:
        if auth_token.expiry is None or auth_token.expiry >= timezone.now():
            return False
        username = auth_token.user.get_username()
        auth_token.delete()
        token_expired.send(sender=self.__class__, username=username, source="auth_token")
        return True

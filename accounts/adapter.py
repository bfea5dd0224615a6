"""allauth's hooks: its per-IP rate limits take the client address from restoreapp.client_ip."""

from allauth.account.adapter import DefaultAccountAdapter

from restoreapp.client_ip import client_ip


class AccountAdapter(DefaultAccountAdapter):
    def get_client_ip(self, request) -> str:
        return client_ip(request) or super().get_client_ip(request)

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    # allauth's "account" app is also called "Accounts" in the admin: two sections of one name.
    verbose_name = _("Users")

    def ready(self):
        from accounts import checks, signals  # noqa: F401  (start-up checks, signal receivers)

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    # allauth's "account" app is also called "Accounts" in the admin: two sections of one name.
    verbose_name = _("Users")

    def ready(self):
        from django.db.models.signals import post_migrate

        from accounts import checks, signals  # noqa: F401  (start-up checks, signal receivers)
        from accounts.data_version import install_after_migrate

        post_migrate.connect(install_after_migrate, sender=self, dispatch_uid="accounts_data_version_triggers")

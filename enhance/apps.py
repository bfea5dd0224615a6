from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EnhanceConfig(AppConfig):
    name = "enhance"
    verbose_name = _("Enhancement jobs")

    def ready(self):
        # The engine has no Django dependency: hand it the settings once per process.
        from django.conf import settings

        from enhance import signals  # noqa: F401
        from enhance.engine import configure
        from enhance.worker.stopping import install_cluster_hooks

        configure(weights_dir=settings.WEIGHTS_DIR, device=settings.RESTORE_DEVICE)
        install_cluster_hooks()

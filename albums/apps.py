from django.apps import AppConfig


class AlbumsConfig(AppConfig):
    name = "albums"

    def ready(self):
        # HEIC/HEIF (phone photos) decode through Pillow once this opener is registered.
        import pillow_heif

        pillow_heif.register_heif_opener()

        from albums import signals  # noqa: F401  (connects the file clean-up receivers)

"""Small builders shared by every test suite: users, images, albums, photos."""

import io
import itertools

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

PASSWORD = "correct-horse-battery-9"
_counter = itertools.count(1)


def make_user(email: str | None = None, password: str = PASSWORD, **extra):
    from accounts.models import User

    email = email or f"user{next(_counter)}@example.com"
    return User.objects.create_user(email, password, **extra)


def image_bytes(fmt: str = "JPEG", size=(64, 48), color=(200, 120, 40), mode: str = "RGB", **save_options) -> bytes:
    """A real, decodable image in `fmt` with a simple gradient (not flat, so encoders do real work)."""
    image = Image.new(mode, size, color)
    if mode in ("RGB", "RGBA"):
        width, height = size
        for x in range(0, width, max(1, width // 8)):
            image.paste((x * 255 // max(1, width), 60, 180) + ((255,) if mode == "RGBA" else ()), (x, 0, x + 1, height))
    out = io.BytesIO()
    image.save(out, format=fmt, **save_options)
    return out.getvalue()


def upload_file(data: bytes, name: str = "photo.jpg", content_type: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def make_album(owner, name: str | None = None):
    from albums.models import Album

    return Album.objects.create(owner=owner, name=name or f"Album {next(_counter)}")


def make_photo(owner, album=None, *, data: bytes | None = None, name: str = "photo.jpg", title: str = ""):
    """A photo stored through the real upload path (files on the test's media folder)."""
    from albums.uploads import ingest_photo

    return ingest_photo(owner, upload_file(data or image_bytes(), name), album=album, title=title)

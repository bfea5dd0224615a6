"""Files real cameras and scanners write, and a server whose disk is full (issue 14, uploads)."""

import errno
import io
import logging
import os
import subprocess
import uuid

import numpy as np
import pytest
from django.core.files.storage import FileSystemStorage
from django.urls import reverse
from PIL import Image

from albums import imaging
from albums.models import Photo
from tests.albums import scanner_files as files
from tests.api.conftest import token_client
from tests.factories import image_bytes, upload_file

API_PHOTOS = "/api/v1/photos/"


def web_upload(client, data: bytes, name: str, content_type: str = "image/jpeg"):
    return client.post(reverse("photo_upload"), {"file": upload_file(data, name, content_type)})


def api_upload(owner, data: bytes, name: str):
    return token_client(owner).post(API_PHOTOS, {"file": upload_file(data, name)}, format="multipart")


def stored_files(media_root) -> list:
    return sorted(path for path in media_root.rglob("*") if path.is_file())


def stored_original(photo) -> Image.Image:
    with photo.original.open("rb") as handle:
        image = Image.open(io.BytesIO(handle.read()))
        image.load()
    return image


@pytest.mark.parametrize("via", ["web", "api"])
def test_a_jpeg_with_multi_picture_data_is_stored_as_its_first_frame(owner_client, owner, via):
    data = files.mpo_two_frames()
    assert Image.open(io.BytesIO(data)).format == "MPO"
    response = web_upload(owner_client, data, "IMG_0001.JPG") if via == "web" else api_upload(owner, data, "a.jpg")
    assert response.status_code == 201, response.content
    photo = Photo.objects.get(owner=owner)
    assert (photo.format, photo.width, photo.height) == ("JPEG", 48, 32)
    original = stored_original(photo)
    assert original.format == "JPEG" and getattr(original, "n_frames", 1) == 1
    red, green, blue = original.getpixel((10, 10))
    assert abs(red - files.FIRST_FRAME[0]) < 8 and abs(green - files.FIRST_FRAME[1]) < 8


SIXTEEN_BIT = [
    pytest.param(files.tiff_16bit_big_endian, "scan.tif", id="tiff-I;16B"),
    pytest.param(files.tiff_32bit_integer, "scan32.tif", id="tiff-I-32-bit"),
    pytest.param(files.pgm_16bit, "scan.pgm", id="pgm-16-bit"),
]


@pytest.mark.parametrize("via", ["web", "api"])
@pytest.mark.parametrize(("build", "name"), SIXTEEN_BIT)
def test_a_16_bit_scan_is_kept_as_a_16_bit_png(owner_client, owner, build, name, via):
    values = files.gray16_values()
    data = build(values)
    response = web_upload(owner_client, data, name) if via == "web" else api_upload(owner, data, name)
    assert response.status_code == 201, response.content
    photo = Photo.objects.get(owner=owner)
    assert photo.format == "PNG"
    original = stored_original(photo)
    assert original.mode == "I;16"
    assert np.array_equal(np.asarray(original).astype(np.uint16), values)  # every bit kept
    with photo.thumbnail.open("rb") as handle:
        thumbnail = Image.open(handle)
        thumbnail.load()
    # Scaled to 8 bits, not clipped to white.
    assert thumbnail.format == "JPEG" and 20 < np.asarray(thumbnail.convert("L")).mean() < 235


def test_32_bit_values_beyond_16_bits_are_stretched_not_clipped():
    wide = (np.arange(1200, dtype=np.int64).reshape(30, 40) * 1_000_000).astype(np.int32)
    image = Image.frombytes("I", (40, 30), wide.astype("<i4").tobytes())
    sixteen = np.asarray(imaging.to_sixteen_bit(image)).astype(np.int64)
    assert sixteen.min() == 0 and sixteen.max() == 65535
    assert np.all(np.diff(sixteen.ravel()) >= 0)  # order kept


def test_an_unexpected_error_while_re_encoding_is_a_400_with_a_reason_and_a_log_line(
    owner_client, owner, monkeypatch, caplog, _isolated_media
):
    def plugin_bug(*args, **kwargs):
        raise KeyError("MPO")  # what Pillow raised for multi-picture JPEGs

    monkeypatch.setattr(imaging, "_encode", plugin_bug)
    with caplog.at_level(logging.ERROR, logger="albums.imaging"):
        response = web_upload(owner_client, image_bytes("JPEG"), "photo.jpg")
    assert response.status_code == 400
    assert "could not be processed" in response.json()["error"]
    assert "could not be decoded or re-encoded" in caplog.text and "KeyError" in caplog.text
    assert not Photo.objects.exists() and stored_files(_isolated_media) == []
    api = api_upload(owner, image_bytes("JPEG"), "photo.jpg")
    assert api.status_code == 400 and api.json()["error"]["code"] == "invalid_image"


# --- a full disk ------------------------------------------------------------------------


@pytest.fixture
def full_disk_media(settings, tmp_path):
    """MEDIA_ROOT on a real 32 KiB tmpfs: writes past it fail with ENOSPC, as on a full disk."""
    mount_point = tmp_path / f"tiny-{uuid.uuid4().hex[:8]}"
    mount_point.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=32k,mode=0700", "tmpfs", str(mount_point)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    settings.MEDIA_ROOT = mount_point
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(mount_point)},
        },
    }
    yield mount_point
    subprocess.run(["umount", str(mount_point)], check=True)


def test_web_upload_on_a_full_disk_gets_a_clear_message_and_leaves_no_partial_file(owner_client, full_disk_media):
    data = files.noise_png()
    assert len(data) > 64 * 1024  # twice the disk
    response = web_upload(owner_client, data, "big.png", "image/png")
    assert response.status_code == 507
    assert "run out of storage space" in response.json()["error"]
    assert not Photo.objects.exists()
    assert stored_files(full_disk_media) == []


def test_api_upload_on_a_full_disk_is_507_in_the_api_format_and_leaves_no_partial_file(owner, full_disk_media):
    response = api_upload(owner, files.noise_png(), "big.png")
    assert response.status_code == 507
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"]["code"] == "insufficient_storage"
    assert not Photo.objects.exists()
    assert stored_files(full_disk_media) == []


def test_a_small_upload_still_fits_on_the_same_disk(owner_client, full_disk_media):
    response = web_upload(owner_client, image_bytes("JPEG", size=(32, 24)), "small.jpg")
    assert response.status_code == 201
    assert len(stored_files(full_disk_media)) == 2


class ThumbnailFillsTheDisk(FileSystemStorage):
    """The original fits; the thumbnail's write fails part-way with ENOSPC after the file
    was created, through the real FileSystemStorage write (so a truncated file is left)."""

    def _save(self, name, content):
        if not name.startswith("thumbnails/"):
            return super()._save(name, content)
        data = content.read()
        path = self.path(name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as handle:
            handle.write(data[: len(data) // 3])
        raise OSError(errno.ENOSPC, "No space left on device", path)


def test_a_failure_part_way_through_the_second_file_removes_both(owner_client, settings, _isolated_media):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": f"{__name__}.ThumbnailFillsTheDisk",
            "OPTIONS": {"location": str(_isolated_media)},
        },
    }
    response = web_upload(owner_client, image_bytes("JPEG", size=(64, 48)), "photo.jpg")
    assert response.status_code == 507
    assert not Photo.objects.exists()
    assert stored_files(_isolated_media) == []

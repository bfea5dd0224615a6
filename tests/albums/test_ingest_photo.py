"""ingest_photo, the single upload path shared with the REST API: what gets stored and how."""

import io
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory
from PIL import Image, ImageCms

from albums.models import Photo
from albums.upload_handlers import install_capped_handler
from albums.uploads import UploadRejected, ingest_photo
from tests.factories import image_bytes, make_album, make_user, upload_file

pytestmark = pytest.mark.django_db


def stored_files(media_root) -> list:
    return [path for path in media_root.rglob("*") if path.is_file()]


def heic_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (30, 160, 90)).save(out, format="HEIF", quality=90)
    return out.getvalue()


@pytest.mark.parametrize(
    ("data_builder", "name", "stored_format"),
    [
        (lambda: image_bytes("JPEG"), "a.jpg", "JPEG"),
        (lambda: image_bytes("PNG"), "a.png", "PNG"),
        (lambda: image_bytes("WEBP"), "a.webp", "WEBP"),
        (heic_bytes, "IMG_0001.HEIC", "JPEG"),
        (lambda: image_bytes("TIFF"), "scan.tiff", "PNG"),
        (lambda: image_bytes("BMP"), "old.bmp", "PNG"),
        (lambda: image_bytes("PNG", mode="RGBA", color=(0, 0, 0, 0)), "alpha.png", "PNG"),
    ],
)
def test_allowed_formats_are_stored_in_a_browser_format(data_builder, name, stored_format):
    owner = make_user()
    photo = ingest_photo(owner, upload_file(data_builder(), name, "application/octet-stream"))
    assert photo.format == stored_format
    stored = Image.open(photo.original.open())
    assert stored.format == stored_format
    assert (photo.width, photo.height) == stored.size == (64, 48)
    assert photo.bytes == photo.original.size
    assert len(photo.sha256) == 64


def test_the_file_name_decides_nothing():
    photo = ingest_photo(make_user(), upload_file(image_bytes("PNG"), "looks-like.jpg", "image/jpeg"))
    assert photo.format == "PNG"


def test_storage_names_are_random_not_the_clients():
    owner = make_user()
    first = ingest_photo(owner, upload_file(image_bytes(), "../../etc/passwd.jpg"))
    second = ingest_photo(owner, upload_file(image_bytes(), "../../etc/passwd.jpg"))
    for photo in (first, second):
        assert "passwd" not in photo.original.name
        assert ".." not in photo.original.name
        assert photo.original.name.startswith("originals/")
        assert photo.thumbnail.name.startswith("thumbnails/")
    assert first.original.name != second.original.name
    assert first.title == "passwd"  # the name is only a default title


def test_exif_orientation_is_applied_and_dropped():
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to display
    data = image_bytes("JPEG", size=(80, 40), exif=exif.tobytes())
    photo = ingest_photo(make_user(), upload_file(data))
    stored = Image.open(photo.original.open())
    assert stored.size == (40, 80) == (photo.width, photo.height)
    assert stored.getexif().get(0x0112) in (None, 1)


def test_icc_profile_is_kept():
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    photo = ingest_photo(make_user(), upload_file(image_bytes("JPEG", icc_profile=profile)))
    assert Image.open(photo.original.open()).info.get("icc_profile") == profile


def test_taken_at_and_exif_summary_come_from_exif():
    exif = Image.Exif()
    exif[0x010F] = "Canon"
    exif[0x0110] = "Canon EOS 5D"
    sub = exif.get_ifd(0x8769)
    sub[0x9003] = "1998:07:14 16:30:05"
    sub[0x829A] = 1 / 250
    sub[0x829D] = 5.6
    data = image_bytes("JPEG", exif=exif.tobytes())
    photo = ingest_photo(make_user(), upload_file(data))
    assert photo.taken_at.isoformat() == "1998-07-14T16:30:05+00:00"
    assert photo.exif["camera"] == "Canon EOS 5D"
    assert photo.exif["exposure"] == "1/250 s"
    assert photo.exif["aperture"] == "f/5.6"


def test_thumbnail_is_a_square_jpeg(settings):
    photo = ingest_photo(make_user(), upload_file(image_bytes("PNG", size=(300, 100))))
    thumb = Image.open(photo.thumbnail.open())
    assert thumb.format == "JPEG"
    assert thumb.size == (settings.THUMBNAIL_SIZE, settings.THUMBNAIL_SIZE)


def test_someone_elses_album_is_refused(_isolated_media):
    album = make_album(make_user())
    with pytest.raises(UploadRejected) as refused:
        ingest_photo(make_user(), upload_file(image_bytes()), album=album)
    assert refused.value.status == 400
    assert stored_files(_isolated_media) == []


def test_a_stream_without_size_is_capped_while_reading(settings, _isolated_media):
    settings.UPLOAD_MAX_BYTES = 1000

    class Stream(io.BytesIO):
        name = "stream.png"

    stream = Stream(image_bytes("PNG", size=(100, 100), compress_level=0))
    with pytest.raises(UploadRejected) as refused:
        ingest_photo(make_user(), stream)
    assert refused.value.status == 413
    assert stream.tell() <= 1000 + 256 * 1024  # stopped after one chunk past the cap, not at the end


def test_failure_after_files_were_written_removes_them(_isolated_media):
    owner = make_user()
    broken_db = mock.patch.object(Photo.objects, "create", side_effect=RuntimeError("database went away"))
    with broken_db, pytest.raises(RuntimeError):
        ingest_photo(owner, upload_file(image_bytes()))
    assert not Photo.objects.exists()
    assert stored_files(_isolated_media) == []


def test_capped_handler_drops_the_file_and_says_why(settings):
    settings.UPLOAD_MAX_BYTES = 1000
    request = RequestFactory().post("/photos/upload/", {"file": SimpleUploadedFile("a.png", b"x" * 5000)})
    install_capped_handler(request)
    assert "file" not in request.FILES
    assert request.upload_too_large is True


def test_capped_handler_lets_small_files_through(settings):
    settings.UPLOAD_MAX_BYTES = 10_000
    request = RequestFactory().post("/photos/upload/", {"file": SimpleUploadedFile("a.png", b"x" * 5000)})
    install_capped_handler(request)
    assert request.FILES["file"].read() == b"x" * 5000
    assert request.upload_too_large is False


@pytest.mark.parametrize("fmt", ["PNG", "TIFF"])
def test_sixteen_bit_greys_keep_their_depth_and_get_a_real_thumbnail(fmt):
    from PIL import ImageStat

    source = io.BytesIO()
    Image.new("I;16", (64, 48), 30000).save(source, format=fmt)
    photo = ingest_photo(make_user(), upload_file(source.getvalue(), f"scan.{fmt.lower()}"))
    stored = Image.open(photo.original.open())
    assert stored.getpixel((5, 5)) == 30000  # still 16-bit, not clipped
    thumb_mean = ImageStat.Stat(Image.open(photo.thumbnail.open())).mean[0]
    assert 110 < thumb_mean < 125  # 30000 / 256 ≈ 117, not a white square


def test_phone_heic_with_gps_is_stored_as_jpeg_without_location():
    from tests.albums.hostile_files import jpeg_with_gps

    exif = Image.open(io.BytesIO(jpeg_with_gps())).getexif()
    assert exif.get_ifd(0x8825)
    source = io.BytesIO()
    Image.new("RGB", (64, 48), (30, 160, 90)).save(source, format="HEIF", exif=exif.tobytes())
    photo = ingest_photo(make_user(), upload_file(source.getvalue(), "IMG_1234.HEIC", "image/heic"))
    stored = Image.open(photo.original.open())
    assert stored.format == "JPEG"
    assert not stored.getexif().get_ifd(0x8825)
    assert photo.exif["camera"] == "TestCam Model 1"


def _jpeg_with_app1(payload: bytes) -> bytes:
    """A JPEG whose APP1 segment is `payload`, exactly as a hostile or buggy camera wrote it."""
    import struct

    plain = image_bytes("JPEG")
    return plain[:2] + b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload + plain[2:]


@pytest.mark.parametrize(
    "payload",
    [
        b"Exif\x00\x00" + bytes(range(256)) * 4,  # not a TIFF structure at all
        b"Exif\x00\x00II*\x00\x08\x00\x00\x00\xff\xff" + b"\x00" * 64,  # 65535 entries promised, none there
        # one entry: Orientation = 99
        b"Exif\x00\x00MM\x00*\x00\x00\x00\x08\x00\x01\x01\x12\x00\x03\x00\x00\x00\x01\x00\x63\x00\x00",
    ],
    ids=["garbage", "lying-entry-count", "impossible-orientation"],
)
def test_malformed_exif_never_refuses_the_photo_or_leaks_it(payload, _isolated_media):
    photo = ingest_photo(make_user(), upload_file(_jpeg_with_app1(payload)))
    stored = Image.open(photo.original.open())
    assert stored.size == (64, 48)
    assert not stored.getexif().get_ifd(0x8825)
    assert 0x0112 not in stored.getexif()


def test_odd_exif_value_types_still_give_a_photo():
    exif = Image.Exif()
    exif[0x010F] = b"\xff\xfe"
    sub = exif.get_ifd(0x8769)
    sub[0x829A] = "fast"  # ExposureTime as text
    sub[0x9003] = "yesterday"  # DateTimeOriginal that is not a date
    photo = ingest_photo(make_user(), upload_file(image_bytes("JPEG", exif=exif.tobytes())))
    assert photo.taken_at is None
    assert "exposure" not in photo.exif

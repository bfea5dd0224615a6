"""Decoding, cleaning and re-encoding of uploaded images (Pillow only, no storage, no models).

Every check here works on the decoded pixels, never on the file name or the
Content-Type the client sent: a file is an image only if Pillow decodes it with
one of the allowed decoders.
"""

import contextlib
import io
import logging
import warnings
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError
from PIL.ExifTags import IFD, Base

logger = logging.getLogger(__name__)

# Pillow's format names; HEIF covers .heic and .heif (registered by pillow-heif at app ready),
# PPM covers the PNM family (.pgm/.ppm/.pbm) that scanners write.
ALLOWED_FORMATS = ("JPEG", "PNG", "WEBP", "HEIF", "TIFF", "BMP", "PPM")

# Formats the browser can show are kept; the others are re-encoded to one it can.
_LOSSLESS_TARGET = "PNG"
_PHOTO_TARGET = "JPEG"
_TARGET_FOR_SOURCE = {
    "JPEG": "JPEG",
    # A JPEG with multi-picture data (depth or gain maps, stereo pairs): phones write these.
    # The first frame is the photo.
    "MPO": "JPEG",
    "PNG": "PNG",
    "WEBP": "WEBP",
    "TIFF": "PNG",
    "BMP": "PNG",
    "PPM": "PNG",
    "HEIF": "JPEG",
    "AVIF": "JPEG",
}
EXTENSION_FOR_FORMAT = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
_SAVE_MODES = {
    "JPEG": {"L", "RGB", "CMYK"},
    "PNG": {"1", "L", "LA", "I;16", "P", "RGB", "RGBA"},
    "WEBP": {"RGB", "RGBA"},
}
_EXIF_DATETIME_FORMAT = "%Y:%m:%d %H:%M:%S"
_HIGH_DEPTH_MODES = ("I", "I;16", "I;16B", "I;16L", "I;16N", "F")
_ALWAYS_DROPPED_TAGS = (700, 33723, 34377, 37724)  # XMP, IPTC, Photoshop, ImageSourceData
_TIFF_STRUCTURE_TAGS = (
    254, 255, 256, 257, 258, 259, 262, 266, 273, 277, 278, 279, 280, 281, 284, 317, 320, 322, 323, 324, 325,
    338, 339, 530, 531, 532,
)


class UploadRejected(Exception):
    """The bytes are not an acceptable image; `status` is the HTTP status to answer with."""

    def __init__(self, message: str, status: int):
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass
class CleanImage:
    """A decoded, oriented and cleaned image ready to store."""

    data: bytes
    format: str
    width: int
    height: int
    taken_at: datetime | None
    exif_summary: dict = field(default_factory=dict)
    thumbnail: bytes = b""
    display: bytes = b""  # empty when the original is small enough to be shown itself

    @property
    def extension(self) -> str:
        return EXTENSION_FOR_FORMAT[self.format]


def decode(data: bytes, *, max_pixels: int) -> Image.Image:
    """Open and fully decode `data`, refusing anything that is not a whole, allowed, small-enough image."""
    if not data:
        raise UploadRejected(_("The file is empty."), 400)
    with warnings.catch_warnings():
        # A header claiming a huge size is a decompression bomb: refuse it, never decode it.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data), formats=ALLOWED_FORMATS)
        except UnidentifiedImageError:
            raise UploadRejected(
                _("This file is not a supported image. Use JPEG, PNG, WebP, HEIC/HEIF, TIFF or BMP."), 415
            ) from None
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise _too_many_pixels(None, max_pixels) from None
        except (OSError, ValueError, SyntaxError):
            raise UploadRejected(_("The image is damaged and cannot be read."), 400) from None
        pixels = image.width * image.height
        if pixels > max_pixels or pixels <= 0:
            raise _too_many_pixels(image, max_pixels)
        try:
            image.load()
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise _too_many_pixels(image, max_pixels) from None
        except (OSError, ValueError, SyntaxError, EOFError):
            # Pillow reports a truncated or corrupt body as OSError ("image file is truncated").
            raise UploadRejected(_("The image is truncated or damaged and cannot be read."), 400) from None
    return image


def _too_many_pixels(image: Image.Image | None, max_pixels: int) -> UploadRejected:
    limit = max_pixels / 1_000_000
    if image is None:
        message = _("The image is too large: the limit is %(limit).0f megapixels.") % {"limit": limit}
    else:
        message = _("The image is too large: %(width)d × %(height)d pixels; the limit is %(limit).0f megapixels.") % {
            "width": image.width,
            "height": image.height,
            "limit": limit,
        }
    return UploadRejected(message, 413)


def clean(data: bytes, *, max_pixels: int, keep_gps: bool, thumbnail_size: int,
          display_size: int | None = None) -> CleanImage:
    """Decode `data` and return a re-encoded copy: oriented, GPS removed unless kept, ICC profile kept.

    Whatever goes wrong inside Pillow on a file nobody here wrote is the file's problem: a
    400 with a reason and a log line, never a 500."""
    try:
        return _clean(data, max_pixels=max_pixels, keep_gps=keep_gps, thumbnail_size=thumbnail_size,
                      display_size=display_size)
    except UploadRejected:
        raise
    except MemoryError:
        raise UploadRejected(_("The image is too large to process."), 413) from None
    except Exception:
        logger.exception("an upload could not be decoded or re-encoded")
        message = _("This image could not be processed. Save it again as JPEG or PNG and retry.")
        raise UploadRejected(message, 400) from None


def _clean(data: bytes, *, max_pixels: int, keep_gps: bool, thumbnail_size: int,
           display_size: int | None) -> CleanImage:
    source = decode(data, max_pixels=max_pixels)
    source_format = source.format
    icc_profile = source.info.get("icc_profile")
    oriented, exif = _oriented_with_exif(source)
    summary = _safely(exif_summary, exif, default={})
    taken_at = _safely(exif_taken_at, exif, default=None)
    _drop_unsafe_tags(exif, source_format)
    exif.pop(Base.Orientation, None)  # applied to the pixels; an invalid value must not rotate it again
    if not keep_gps:
        exif.pop(IFD.GPSInfo, None)
        summary.pop("gps", None)
    target = _TARGET_FOR_SOURCE.get(source_format, _LOSSLESS_TARGET)
    if target != _LOSSLESS_TARGET and (_has_alpha(oriented) or oriented.mode in _HIGH_DEPTH_MODES):
        target = _LOSSLESS_TARGET  # JPEG would lose the transparency, or 8 of 16 bits
    image = _to_savable_mode(oriented, target)
    encoded = _encode(image, target, exif=exif, icc_profile=icc_profile)
    return CleanImage(
        data=encoded,
        format=target,
        width=image.width,
        height=image.height,
        taken_at=taken_at,
        exif_summary=summary,
        thumbnail=make_thumbnail(image, thumbnail_size),
        display=make_display(image, display_size) if display_size and max(image.size) > display_size else b"",
    )


def _oriented_with_exif(image: Image.Image) -> tuple[Image.Image, Image.Exif]:
    """Apply the EXIF orientation (in place: a 40 MP photo is 120 MB per copy) and return the EXIF left.

    EXIF is whatever the uploader wrote: when it cannot be parsed it is dropped whole,
    which can only remove information (GPS included), never leak it.
    """
    try:
        ImageOps.exif_transpose(image, in_place=True)  # also resets the orientation tag
        return image, image.getexif()
    except Exception:  # malformed EXIF takes many shapes (struct, type, value, key errors)
        return image, Image.Exif()


def _safely(read, exif: Image.Exif, *, default):
    try:
        return read(exif)
    except Exception:  # a summary is a courtesy: a strange value must not refuse the photo
        return default


def _has_alpha(image: Image.Image) -> bool:
    return "A" in image.getbands() or (image.mode == "P" and "transparency" in image.info)


def _drop_unsafe_tags(exif: Image.Exif, source_format: str) -> None:
    # XMP, IPTC and Photoshop blocks can carry a location and free text of their own.
    for tag in _ALWAYS_DROPPED_TAGS:
        exif.pop(tag, None)
    if source_format == "TIFF":
        # A TIFF's first IFD also describes its own strips; they mean nothing in the new file.
        for tag in _TIFF_STRUCTURE_TAGS:
            exif.pop(tag, None)


def _to_savable_mode(image: Image.Image, target: str) -> Image.Image:
    if image.mode in _SAVE_MODES[target]:
        return image
    if image.mode == "P" and target != "PNG":
        return image.convert("RGBA" if "transparency" in image.info and target == "WEBP" else "RGB")
    if image.mode in ("LA", "PA", "RGBa") or "A" in image.getbands():
        return image.convert("RGBA")
    if image.mode in _HIGH_DEPTH_MODES and target == "PNG":
        return to_sixteen_bit(image)
    if image.mode in _HIGH_DEPTH_MODES:
        return eight_bit_gray(image)
    return image.convert("RGB")


def to_sixteen_bit(image: Image.Image) -> Image.Image:
    """A 16-bit gray copy ("I;16", which PNG stores as 16 bits per sample) of any high-depth gray.

    16-bit data of any byte order is kept as is. 32-bit integer and float images keep
    their values when they fit in 0..65535 (16-bit scans are often stored in 32-bit
    containers); otherwise their range is stretched onto 0..65535."""
    if image.mode == "I;16":
        return image
    if image.mode.startswith("I;16"):
        values = np.asarray(image).astype(np.uint16)
    else:
        values = np.asarray(image, dtype=np.float64)
        low, high = float(np.min(values)), float(np.max(values))
        if image.mode == "F" and low >= 0 and high <= 1:
            values = values * 65535  # floats written as 0..1
        elif image.mode == "F" and low >= 0 and high <= 255:
            values = values * 257  # Pillow's own float convention, 0..255
        elif low < 0 or high > 65535:
            span = high - low
            values = (values - low) * (65535 / span) if span > 0 else np.zeros_like(values)
        values = np.clip(np.rint(values), 0, 65535).astype(np.uint16)
    return Image.frombytes("I;16", image.size, values.astype("<u2").tobytes())


def eight_bit_gray(image: Image.Image) -> Image.Image:
    """8-bit gray from a high-depth one, for formats without 16-bit gray (a thumbnail, a JPEG)."""
    sixteen = np.asarray(to_sixteen_bit(image)).astype(np.uint32)
    return Image.frombytes("L", image.size, ((sixteen + 128) // 257).astype(np.uint8).tobytes())


def _encode(image: Image.Image, target: str, *, exif: Image.Exif, icc_profile: bytes | None) -> bytes:
    # Only what we choose survives: no XMP (it can carry GPS too), comments, text chunks
    # or trailing bytes from the upload.
    transparency = image.info.get("transparency")
    image.info = {} if transparency is None else {"transparency": transparency}
    options: dict = {}
    if len(exif):
        # Tags Pillow cannot write back: store the photo without EXIF rather than refuse it.
        with contextlib.suppress(Exception):
            options["exif"] = exif.tobytes()
    if icc_profile:
        options["icc_profile"] = icc_profile
    if target == "JPEG":
        # 4:4:4 chroma: the original feeds restoration models, colour detail matters.
        options.update(quality=95, subsampling=0, optimize=True)
    elif target == "WEBP":
        options.update(quality=95, method=4)
    elif target == "PNG":
        options.update(optimize=False, compress_level=6)
    out = io.BytesIO()
    image.save(out, format=target, **options)
    return out.getvalue()


def _eight_bit_opaque(image: Image.Image) -> Image.Image:
    """An RGB or L copy for a JPEG: 16-bit greys scaled down, transparency on white."""
    if image.mode in _HIGH_DEPTH_MODES:
        # 16-bit (or float) greys would clip to white in an 8-bit JPEG: scale them down first.
        image = eight_bit_gray(image)
    if image.mode not in ("RGB", "L"):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        image = background
    return image


def make_display(image: Image.Image, max_side: int) -> bytes:
    """The whole picture as a JPEG no larger than `max_side` a side, for showing on a page
    (the photo page's preview and the viewer until it is zoomed past this size)."""
    width, height = image.size
    ratio = min(1.0, max_side / max(width, height))
    size = (max(1, round(width * ratio)), max(1, round(height * ratio)))
    view = _eight_bit_opaque(image)
    if view.size != size:
        # reducing_gap: a fast draft reduction first, then Lanczos; indistinguishable at this size.
        view = view.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)
    out = io.BytesIO()
    view.convert("RGB").save(out, format="JPEG", quality=85, optimize=True, progressive=True)
    return out.getvalue()


def make_thumbnail(image: Image.Image, size: int) -> bytes:
    """A square, centre-cropped JPEG so every cell of the grid has the same size."""
    thumb = _eight_bit_opaque(image)
    thumb = ImageOps.fit(thumb, (size, size), method=Image.Resampling.LANCZOS)
    out = io.BytesIO()
    thumb.convert("RGB").save(out, format="JPEG", quality=85, optimize=True)
    return out.getvalue()


def exif_taken_at(exif: Image.Exif) -> datetime | None:
    sub = exif.get_ifd(IFD.Exif)
    raw = sub.get(Base.DateTimeOriginal) or exif.get(Base.DateTime)
    if not isinstance(raw, str):
        return None
    try:
        # EXIF has no time zone unless OffsetTimeOriginal says so; read it as UTC.
        return datetime.strptime(raw.strip("\x00 ").strip(), _EXIF_DATETIME_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        return None


def exif_summary(exif: Image.Exif) -> dict:
    """A few human-readable EXIF fields for the photo page (JSON-serialisable)."""
    sub = exif.get_ifd(IFD.Exif)
    summary = {}
    make = _text(exif.get(Base.Make))
    model = _text(exif.get(Base.Model))
    if model:
        summary["camera"] = model if (not make or model.startswith(make)) else f"{make} {model}"
    if taken := sub.get(Base.DateTimeOriginal) or exif.get(Base.DateTime):
        summary["taken"] = _text(taken)
    if exposure := sub.get(Base.ExposureTime):
        value = float(exposure)
        if value > 0:
            summary["exposure"] = f"1/{round(1 / value)} s" if value < 1 else f"{value:g} s"
    if f_number := sub.get(Base.FNumber):
        summary["aperture"] = f"f/{float(f_number):.1f}"
    if iso := sub.get(Base.ISOSpeedRatings):
        summary["iso"] = str(iso[0] if isinstance(iso, tuple) else iso)
    if focal := sub.get(Base.FocalLength):
        summary["focal_length"] = f"{float(focal):g} mm"
    if lens := _text(sub.get(Base.LensModel)):
        summary["lens"] = lens
    if software := _text(exif.get(Base.Software)):
        summary["software"] = software
    gps = exif.get_ifd(IFD.GPSInfo)
    if gps:
        position = _gps_degrees(gps)
        summary["gps"] = f"{position[0]:.5f}, {position[1]:.5f}" if position else "yes"
    return summary


def _text(value) -> str:
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return value.strip("\x00 ").strip()[:120] if isinstance(value, str) else ""


def _gps_degrees(gps: dict) -> tuple[float, float] | None:
    try:
        lat = sum(float(v) / 60**i for i, v in enumerate(gps[2]))
        lon = sum(float(v) / 60**i for i, v in enumerate(gps[4]))
    except (KeyError, TypeError, ValueError, ZeroDivisionError):
        return None
    if gps.get(1) == "S":
        lat = -lat
    if gps.get(3) == "W":
        lon = -lon
    return lat, lon

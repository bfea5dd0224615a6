"""The sample photos: public-domain pictures that the landing page shows before/after, and that
the demo account gets with real results (showcase.demo). One row per sample; torch-free.

Each input is derived from a picture shipped inside the scikit-image 0.26.0 wheel
(skimage/data/), whose docstrings state the licence; `derive` says how the committed input in
sample_photos/ was made from it (build_examples --skimage-data re-derives them). The landing
page's crops are made by our own models (python manage.py build_examples)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from django.utils.translation import gettext_lazy as _

PHOTOS_DIR = Path(__file__).resolve().parent / "sample_photos"
EXAMPLES_STATIC = "showcase/examples"  # under this app's static/
EXAMPLES_DIR = Path(__file__).resolve().parent / "static" / EXAMPLES_STATIC


@dataclass(frozen=True)
class Sample:
    slug: str
    title: object  # lazy translation
    kind: str  # the photo page's "Select type" key (enhance.engine.catalog.spec.KINDS)
    model: str
    options: dict = field(default_factory=dict)
    # Where the picture comes from and under which terms (shown on the landing page).
    source: str = ""
    licence: object = ""
    # How the committed input was made from the original in the scikit-image wheel.
    original: str = ""  # file name in skimage/data/
    size: tuple[int, int] = (0, 0)  # the input's size after resizing the original
    jpeg_quality: int = 90  # lower = the compression damage a model is asked to clean
    note: object = ""  # what the input is, for the landing page
    # The region of the input shown on the landing page (left, top, width, height).
    crop: tuple[int, int, int, int] = (0, 0, 0, 0)

    @property
    def input_path(self) -> Path:
        return PHOTOS_DIR / f"{self.slug}.jpg"

    @property
    def before_static(self) -> str:
        return f"{EXAMPLES_STATIC}/{self.slug}-before.jpg"

    @property
    def after_static(self) -> str:
        return f"{EXAMPLES_STATIC}/{self.slug}-after.jpg"


SAMPLES: tuple[Sample, ...] = (
    Sample(
        slug="astronaut",
        title=_("Astronaut Eileen Collins"),
        kind="sr",
        model="realsr",
        source="NASA (scikit-image: skimage/data/astronaut.png)",
        licence=_("Public domain"),
        original="astronaut.png",
        size=(256, 256),
        jpeg_quality=92,
        note=_("A 256 × 256 portrait, enlarged four times."),
        crop=(72, 8, 88, 88),
    ),
    Sample(
        slug="cat",
        title=_("Chelsea the cat"),
        kind="sr",
        model="realesrgan",
        options={"variant": "x4plus"},
        source="Stefan van der Walt (scikit-image: skimage/data/chelsea.png)",
        licence=_("CC0 (no rights reserved)"),
        original="chelsea.png",
        size=(226, 150),
        jpeg_quality=60,
        note=_("A small, compressed JPEG (226 × 150), enlarged four times."),
        crop=(112, 30, 80, 80),
    ),
    Sample(
        slug="coffee",
        title=_("Coffee cup"),
        kind="2dsr",
        model="waifu2x",
        options={"style": "photo", "scale": 2, "noise": 3},
        source="Rachel Michetti (scikit-image: skimage/data/coffee.png)",
        licence=_("CC0 (no rights reserved)"),
        original="coffee.png",
        size=(300, 200),
        jpeg_quality=25,
        note=_("A heavily compressed JPEG (300 × 200): JPEG noise removed, enlarged twice."),
        crop=(120, 40, 150, 150),
    ),
    Sample(
        slug="horse",
        title=_("Horse (clip art)"),
        kind="2dsr",
        model="waifu2x",
        options={"style": "art", "scale": 2, "noise": 2},
        source="Andreas Preuss, openclipart (scikit-image: skimage/data/horse.png)",
        licence=_("CC0 (no rights reserved)"),
        original="horse.png",
        size=(200, 164),
        jpeg_quality=40,
        note=_("Clip art saved small as a compressed JPEG: cleaned and enlarged twice."),
        crop=(36, 0, 164, 164),
    ),
)


def get_sample(slug: str) -> Sample:
    return next(sample for sample in SAMPLES if sample.slug == slug)

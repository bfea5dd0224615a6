"""python manage.py build_examples [--skimage-data DIR] [--only SLUG]: run our own models on the
sample photos (showcase.samples) through `manage.py enhance` and write the landing page's small
before/after crops (JPEG) into showcase/static/showcase/examples/.

--skimage-data re-derives the committed inputs (showcase/sample_photos/) from the originals in an
unpacked scikit-image 0.26.0 wheel's skimage/data/ folder first; without it the committed inputs
are used. The "before" crop is the input's region enlarged by plain bicubic resizing to the size
of the model's output, so both halves show the same part of the picture at the same size."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from PIL import Image

from showcase.samples import EXAMPLES_DIR, SAMPLES, Sample

CROP_QUALITY = 82


def derive_input(sample: Sample, skimage_data: Path) -> None:
    """The committed input from its original: flattened onto white, resized, saved as JPEG at the
    sample's quality (a low quality is the damage the model is shown cleaning)."""
    source = skimage_data / sample.original
    if not source.is_file():
        raise CommandError(f"{source} is missing; pass the skimage/data folder of scikit-image 0.26.0")
    with Image.open(source) as img:
        img.load()
        if img.mode in ("RGBA", "LA", "P", "1"):
            rgba = img.convert("RGBA")
            flat = Image.new("RGB", rgba.size, "white")
            flat.paste(rgba, mask=rgba.getchannel("A"))
            img = flat
        img = img.convert("RGB").resize(sample.size, Image.Resampling.LANCZOS)
    sample.input_path.parent.mkdir(parents=True, exist_ok=True)
    _save_jpeg(img, sample.input_path, sample.jpeg_quality)


def _save_jpeg(img: Image.Image, path: Path, quality: int) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            img.save(fh, format="JPEG", quality=quality, optimize=True, progressive=True)
        os.chmod(tmp, 0o644)  # mkstemp makes it private; these are committed, public files
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def enhance_args(sample: Sample) -> list[str]:
    """The `manage.py enhance` flags for a sample's model and options."""
    args = ["--model", sample.model]
    for name in ("style", "scale", "noise"):
        if name in sample.options:
            args += [f"--{name}", str(sample.options[name])]
    return args


def write_crops(sample: Sample, result_path: Path, out_dir: Path = EXAMPLES_DIR) -> None:
    with Image.open(sample.input_path) as before, Image.open(result_path) as after:
        before, after = before.convert("RGB"), after.convert("RGB")
        factor = after.width // before.width
        left, top, width, height = sample.crop
        before_crop = before.crop((left, top, left + width, top + height)).resize(
            (width * factor, height * factor), Image.Resampling.BICUBIC
        )
        after_crop = after.crop((left * factor, top * factor, (left + width) * factor, (top + height) * factor))
    out_dir.mkdir(parents=True, exist_ok=True)
    _save_jpeg(before_crop, out_dir / Path(sample.before_static).name, CROP_QUALITY)
    _save_jpeg(after_crop, out_dir / Path(sample.after_static).name, CROP_QUALITY)


class Command(BaseCommand):
    help = "Run the models on the sample photos and write the landing page's before/after crops."

    def add_arguments(self, parser):
        parser.add_argument("--skimage-data", type=Path, help="re-derive the inputs from this skimage/data folder")
        parser.add_argument("--only", action="append", default=[], help="a sample's slug (repeatable)")
        parser.add_argument("--tile", type=int, default=None, help="passed to enhance")
        parser.add_argument("--out", type=Path, default=EXAMPLES_DIR, help="where the crops go (default: static)")

    def handle(self, *args, **opts):
        samples = [s for s in SAMPLES if not opts["only"] or s.slug in opts["only"]]
        if not samples:
            raise CommandError(f"no sample named {opts['only']}; known: {', '.join(s.slug for s in SAMPLES)}")
        with tempfile.TemporaryDirectory(prefix="restore-examples-") as work:
            for sample in samples:
                if opts["skimage_data"]:
                    derive_input(sample, opts["skimage_data"])
                result = Path(work) / f"{sample.slug}.png"
                extra = ["--tile", str(opts["tile"])] if opts["tile"] is not None else []
                self.stdout.write(f"{sample.slug}: {sample.model} {sample.options}")
                call_command("enhance", str(sample.input_path), str(result), *enhance_args(sample), *extra,
                             stdout=self.stdout, stderr=self.stderr)
                write_crops(sample, result, opts["out"])
        self.stdout.write(self.style.SUCCESS(f"wrote {2 * len(samples)} crops to {opts['out']}"))

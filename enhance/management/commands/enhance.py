"""python manage.py enhance IN OUT --model realsr|waifu2x|bopb [options]: one image through
the engine with a progress bar and a one-line summary."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from PIL import Image, UnidentifiedImageError

from enhance.engine.catalog import model_ids

NO_ALPHA_FORMATS = {"JPEG", "BMP"}


def _save_atomically(img: Image.Image, path: Path) -> None:
    """Write next to the target and rename, so OUT is never left half-written."""
    try:
        fmt = Image.registered_extensions()[path.suffix.lower()]
    except KeyError as exc:
        raise CommandError(f"cannot tell the image format from {path.name!r}; use .png, .jpg, .webp or .tif") from exc
    if fmt in NO_ALPHA_FORMATS and img.mode in ("RGBA", "LA"):
        raise CommandError(f"the result has transparency, which {fmt} cannot store; write a .png or .webp instead")
    params = {"icc_profile": img.info["icc_profile"]} if img.info.get("icc_profile") else {}
    if fmt == "JPEG":
        params["quality"] = 95
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            img.save(fh, format=fmt, **params)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class Command(BaseCommand):
    help = "Enhance one image file with RealSR, waifu2x or BOPB."

    def add_arguments(self, parser):
        parser.add_argument("input", type=Path)
        parser.add_argument("output", type=Path)
        parser.add_argument("--model", required=True, help=f"one of: {', '.join(model_ids())}")
        parser.add_argument("--style", help="waifu2x: art or photo")
        parser.add_argument("--scale", type=int, help="waifu2x: 1, 2 or 4")
        parser.add_argument("--noise", type=int, help="waifu2x: -1 (none) to 3")
        parser.add_argument("--scratches", action="store_true", default=None, help="bopb: repair scratches")
        parser.add_argument("--hr", action="store_true", default=None, help="bopb: high-resolution variant")
        parser.add_argument("--precision", default="auto", help="auto, fp32, bf16 or fp16")
        parser.add_argument("--tile", type=int, default=None, help="tile size in input pixels; 0 = whole image")
        parser.add_argument("--device", default=None, help="cpu or cuda (default: RESTORE_DEVICE)")

    def handle(self, *args, **opts):
        from enhance.engine import EngineError, run_enhancement, validate_options

        options = {
            name: opts[name] for name in ("style", "scale", "noise", "scratches", "hr") if opts[name] is not None
        }
        try:
            validate_options(opts["model"], options)  # before the progress bar appears
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        out_path: Path = opts["output"]
        if not out_path.parent.is_dir():
            raise CommandError(f"output folder {out_path.parent} does not exist")
        try:
            with Image.open(opts["input"]) as src:
                src.load()
                img = src.copy()
                img.info = dict(src.info)
        except FileNotFoundError as exc:
            raise CommandError(f"{opts['input']}: no such file") from exc
        except (UnidentifiedImageError, OSError) as exc:
            raise CommandError(f"{opts['input']}: not a readable image ({exc})") from exc

        bar = None
        if opts["verbosity"] > 0:
            from tqdm import tqdm

            bar = tqdm(total=100, unit="%", file=sys.stderr, leave=False, bar_format="{l_bar}{bar}| {elapsed}")

        def progress(fraction: float, stage: str) -> None:
            if bar is not None:
                bar.set_description(stage)
                bar.update(round(fraction * 100) - bar.n)

        try:
            result = run_enhancement(
                img,
                opts["model"],
                options,
                precision=opts["precision"],
                tile_size=opts["tile"],
                device=opts["device"],
                progress=progress,
            )
        except (ValueError, EngineError) as exc:
            raise CommandError(str(exc)) from exc
        finally:
            if bar is not None:
                bar.close()
        _save_atomically(result.image, out_path)
        out = result.image
        self.stdout.write(
            f"{opts['model']}: {img.width}x{img.height} -> {out.width}x{out.height} in {result.seconds:.2f} s "
            f"on {result.device} ({result.precision}) -> {out_path}"
        )

"""python manage.py import_weights {builtin|realsr|waifu2x|realesrgan|bopb|bopb_faces} [PATH]: convert
weights once into canonical safetensors + manifest under WEIGHTS_DIR.

builtin            RealSR, waifu2x and Real-ESRGAN from the installed sr-vulkan-model-* packages
realsr [PATH]      PATH: official RealSR/ESRGAN .pth, or a folder with REALSR_DF2K_UP4X.param/.bin
waifu2x [PATH]     PATH: a folder with the WAIFU2X_*.param/.bin files
realesrgan [PATH]  PATH: official RealESRGAN_x4plus.pth, RealESRGAN_x4plus_anime_6B.pth or
                   realesr-animevideov3.pth, or a folder with the REALESRGAN_*.param/.bin files
bopb PATH          the official global_checkpoints.zip (or its extracted folder)
bopb_faces PATH    the official face_checkpoints.zip (or its extracted folder)
"""

from __future__ import annotations

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Import model weights into WEIGHTS_DIR (canonical safetensors + manifest)."

    def add_arguments(self, parser):
        parser.add_argument("source", choices=["builtin", "realsr", "waifu2x", "realesrgan", "bopb", "bopb_faces"])
        parser.add_argument("path", nargs="?", type=Path)

    def handle(self, *args, **opts):
        from enhance.engine.config import default_weights_dir
        from enhance.engine.errors import EngineError
        from enhance.engine.weights import builtin
        from enhance.engine.weights.importers.realesrgan_pth import import_realesrgan_checkpoint
        from enhance.engine.weights.importers.realsr_pth import import_realsr_checkpoint

        source, path = opts["source"], opts["path"]
        weights_dir = default_weights_dir()
        if path is not None and not path.exists():
            raise CommandError(f"{path}: no such file or folder")
        jobs = []
        if source == "builtin":
            if path is not None:
                raise CommandError("builtin takes no PATH (it reads the installed sr-vulkan-model-* packages)")
            jobs = [("realsr", lambda: builtin.import_realsr_ncnn(weights_dir))]
            jobs.append(("waifu2x", lambda: builtin.import_waifu2x_ncnn(weights_dir)))
            jobs.append(("realesrgan", lambda: builtin.import_realesrgan_ncnn(weights_dir)))
        elif source == "realsr":
            if path is None:
                jobs = [("realsr", lambda: builtin.import_realsr_ncnn(weights_dir))]
            elif path.is_dir():
                jobs = [("realsr", lambda: builtin.import_realsr_ncnn(weights_dir, path))]
            else:
                jobs = [("realsr", lambda: import_realsr_checkpoint(path, weights_dir))]
        elif source == "waifu2x":
            if path is not None and not path.is_dir():
                raise CommandError("waifu2x PATH must be a folder holding the WAIFU2X_*.param/.bin files")
            jobs = [("waifu2x", lambda: builtin.import_waifu2x_ncnn(weights_dir, path))]
        elif source == "bopb_faces":
            if path is None:
                raise CommandError(
                    "bopb_faces needs PATH (face_checkpoints.zip); or run: python manage.py fetch_weights bopb"
                )
            from enhance.engine.weights.importers.bopb_faces import import_bopb_faces

            jobs = [("bopb_faces", lambda: import_bopb_faces(path, weights_dir))]
        elif source == "realesrgan":
            if path is None or path.is_dir():
                jobs = [("realesrgan", lambda: builtin.import_realesrgan_ncnn(weights_dir, path))]
            else:
                jobs = [("realesrgan", lambda: import_realesrgan_checkpoint(path, weights_dir))]
        else:
            if path is None:
                raise CommandError(
                    "bopb needs PATH (global_checkpoints.zip); or run: python manage.py fetch_weights bopb"
                )
            try:
                from enhance.engine.weights.importers.bopb import import_bopb
            except ImportError as exc:
                raise CommandError(f"the BOPB importer is not available ({exc})") from exc
            jobs = [("bopb", lambda: import_bopb(path, weights_dir))]

        for model_id, job in jobs:
            started = time.perf_counter()
            try:
                target = job()
            except (EngineError, ValueError, OSError) as exc:
                raise CommandError(f"{model_id}: {exc}") from exc
            self.stdout.write(f"{model_id}: imported into {target} in {time.perf_counter() - started:.2f} s")

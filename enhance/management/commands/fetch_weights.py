"""python manage.py fetch_weights bopb [--url URL] [--faces-url URL] [--timeout SECONDS]

Downloads the official BOPB release archives -- global_checkpoints.zip (stage 1) and
face_checkpoints.zip (the face stage) -- from their published addresses, then verifies and imports
each exactly as `import_weights bopb PATH` / `import_weights bopb_faces PATH` do. Where the network
is unreachable it says so and exits non-zero; nothing is written for an archive that failed.
--url replaces the stage-1 addresses and --faces-url the face ones; giving only --url fetches
stage 1 only (a mirror of one archive says nothing about where the other is).
"""

from __future__ import annotations

import os
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

CHUNK = 1 << 20
MAX_BYTES = 8 << 30  # the real archive is a few hundred MB; anything this big is not it


class Command(BaseCommand):
    help = "Download the official BOPB checkpoints (stage 1 and faces) and import them into WEIGHTS_DIR."

    def add_arguments(self, parser):
        parser.add_argument("model", choices=["bopb"])
        parser.add_argument("--url", action="append", help="download from this address instead (repeatable)")
        parser.add_argument("--faces-url", action="append", help="download the face archive from here (repeatable)")
        parser.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for the server")

    def handle(self, *args, **opts):
        from enhance.engine.weights.importers import bopb_faces_layout, bopb_layout
        from enhance.engine.weights.importers.bopb import import_bopb
        from enhance.engine.weights.importers.bopb_faces import import_bopb_faces

        stage1_urls = opts["url"] or list(bopb_layout.RELEASE_URLS)
        face_urls = opts["faces_url"] or ([] if opts["url"] else list(bopb_faces_layout.RELEASE_URLS))
        archives = [("bopb", "global_checkpoints.zip", stage1_urls, import_bopb)]
        if face_urls:
            archives.append(("bopb_faces", "face_checkpoints.zip", face_urls, import_bopb_faces))
        for name, archive_name, urls, importer in archives:
            self._fetch(name, archive_name, urls, importer, opts["timeout"])

    def _fetch(self, name: str, archive_name: str, urls: list[str], importer, timeout: float) -> None:
        from enhance.engine.config import default_weights_dir
        from enhance.engine.errors import EngineError

        weights_dir = default_weights_dir()
        weights_dir.mkdir(parents=True, exist_ok=True)
        failures = []
        for url in urls:
            # download next to WEIGHTS_DIR so the import never crosses filesystems; removed afterwards
            fd, temp_name = tempfile.mkstemp(prefix=f".{name}-download.", suffix=".zip", dir=weights_dir)
            os.close(fd)
            archive = Path(temp_name)
            try:
                try:
                    self._download(name, url, archive, timeout)
                except (urllib.error.URLError, OSError, ValueError) as exc:
                    failures.append(f"{url}: {getattr(exc, 'reason', exc)}")
                    continue
                started = time.perf_counter()
                try:
                    target = importer(archive, weights_dir)
                except (EngineError, OSError) as exc:
                    raise CommandError(f"{name}: the downloaded archive from {url} was refused: {exc}") from exc
                self.stdout.write(f"{name}: imported into {target} in {time.perf_counter() - started:.1f} s")
                return
            finally:
                archive.unlink(missing_ok=True)
        raise CommandError(
            f"{name}: could not download the official weights (no network access to the release?): "
            + "; ".join(failures)
            + f". Download {archive_name} on a machine with internet access and run: "
            f"python manage.py import_weights {name} PATH"
        )

    def _download(self, name: str, url: str, target: Path, timeout: float) -> None:
        self.stdout.write(f"{name}: downloading {url}")
        request = urllib.request.Request(url, headers={"User-Agent": "restore-fetch-weights"})
        with urllib.request.urlopen(request, timeout=timeout) as response, open(target, "wb") as out:
            total = int(response.headers.get("Content-Length") or 0)
            if total > MAX_BYTES:
                raise ValueError(f"{total} bytes is far larger than the release archive")
            done, last_report = 0, time.monotonic()
            while chunk := response.read(CHUNK):
                done += len(chunk)
                if done > MAX_BYTES:
                    raise ValueError("download exceeds the size of any release archive")
                out.write(chunk)
                if time.monotonic() - last_report > 2:
                    last_report = time.monotonic()
                    share = f" ({100 * done / total:.0f} %)" if total else ""
                    self.stdout.write(f"{name}: {done >> 20} MB{share}")
            out.flush()
            os.fsync(out.fileno())
        if done == 0:
            raise ValueError("the server sent an empty file")

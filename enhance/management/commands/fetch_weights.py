"""python manage.py fetch_weights bopb [--url URL] [--timeout SECONDS]

Downloads the official BOPB stage-1 release archive (global_checkpoints.zip) from its published
address, then verifies and imports it exactly as `import_weights bopb PATH` does. Where the
network is unreachable it says so and exits non-zero; nothing is written in that case.
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
    help = "Download the official BOPB stage-1 checkpoints and import them into WEIGHTS_DIR."

    def add_arguments(self, parser):
        parser.add_argument("model", choices=["bopb"])
        parser.add_argument("--url", action="append", help="download from this address instead (repeatable)")
        parser.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for the server")

    def handle(self, *args, **opts):
        from enhance.engine.config import default_weights_dir
        from enhance.engine.errors import EngineError
        from enhance.engine.weights.importers.bopb import import_bopb
        from enhance.engine.weights.importers.bopb_layout import RELEASE_URLS

        weights_dir = default_weights_dir()
        weights_dir.mkdir(parents=True, exist_ok=True)
        urls = opts["url"] or list(RELEASE_URLS)
        failures = []
        for url in urls:
            # download next to WEIGHTS_DIR so the import never crosses filesystems; removed afterwards
            fd, name = tempfile.mkstemp(prefix=".bopb-download.", suffix=".zip", dir=weights_dir)
            os.close(fd)
            archive = Path(name)
            try:
                try:
                    self._download(url, archive, opts["timeout"])
                except (urllib.error.URLError, OSError, ValueError) as exc:
                    failures.append(f"{url}: {getattr(exc, 'reason', exc)}")
                    continue
                started = time.perf_counter()
                try:
                    target = import_bopb(archive, weights_dir)
                except (EngineError, OSError) as exc:
                    raise CommandError(f"bopb: the downloaded archive from {url} was refused: {exc}") from exc
                self.stdout.write(f"bopb: imported into {target} in {time.perf_counter() - started:.1f} s")
                return
            finally:
                archive.unlink(missing_ok=True)
        raise CommandError(
            "bopb: could not download the official weights (no network access to the release?): "
            + "; ".join(failures)
            + ". Download global_checkpoints.zip on a machine with internet access and run: "
            "python manage.py import_weights bopb PATH"
        )

    def _download(self, url: str, target: Path, timeout: float) -> None:
        self.stdout.write(f"bopb: downloading {url}")
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
                    self.stdout.write(f"bopb: {done >> 20} MB{share}")
            out.flush()
            os.fsync(out.fileno())
        if done == 0:
            raise ValueError("the server sent an empty file")

"""Fixtures for the job machinery: a controllable engine double for the fast worker tests.
(The real networks' weights folder, shared_weights_dir, is in tests/conftest.py.)"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from PIL import Image

from enhance.engine.errors import Cancelled


@dataclass
class _Result:
    image: Image.Image
    device: str = "cpu"
    precision: str = "fp32"
    seconds: float = 0.01


class EngineDouble:
    """Stands in for enhance.engine.run_enhancement so the worker's own logic (claim,
    progress, cancel, failure, result writing) is tested fast and deterministically.
    The real engine is exercised by test_qcluster_end_to_end and the browser test."""

    def __init__(self):
        self.steps = 4
        self.fail_with: BaseException | None = None
        self.during_step = None  # callable(step) run between tiles, e.g. to request a cancel
        self.calls = []

    def run_enhancement(self, img, model, options, *, progress=None, should_cancel=None, **kwargs):
        self.calls.append((model, options, kwargs))
        for step in range(self.steps):
            if self.during_step:
                self.during_step(step)
            if should_cancel and should_cancel():
                raise Cancelled("cancelled")
            if progress:
                progress(step / self.steps, f"tile {step + 1}/{self.steps}")
        if self.fail_with is not None:
            raise self.fail_with
        return _Result(img.convert("RGB").resize((img.width * 2, img.height * 2)))


@pytest.fixture
def engine_double(monkeypatch):
    double = EngineDouble()
    monkeypatch.setattr("enhance.engine.run_enhancement", double.run_enhancement, raising=False)
    # Cancellation and progress are read at most twice a second in production; tests
    # must see each step.
    monkeypatch.setattr("enhance.worker.progress.MIN_WRITE_INTERVAL", 0.0)
    monkeypatch.setattr("enhance.worker.progress.MIN_CANCEL_CHECK_INTERVAL", 0.0)
    return double


@pytest.fixture
def queued_job(owner, photo, django_capture_on_commit_callbacks):
    from enhance import services

    with django_capture_on_commit_callbacks(execute=True):
        return services.submit(owner, photo, "waifu2x", {"style": "art", "scale": 2, "noise": 1})


def result_files(media_root) -> list[str]:
    root = media_root / "results"
    if not root.exists():
        return []
    return sorted(str(p.relative_to(media_root)) for p in root.rglob("*") if p.is_file())

"""What a pipeline receives to run one image: device, precision, tiling, progress,
cancellation and the per-process network cache. Shared by every model pipeline."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import torch
from PIL import Image

from enhance.engine.catalog.spec import PRECISIONS, ModelSpec, Option  # noqa: F401 (PRECISIONS re-exported)
from enhance.engine.errors import Cancelled

DTYPES = {"fp32": torch.float32, "bf16": torch.bfloat16, "fp16": torch.float16}


@dataclass(frozen=True)
class ModelInfo:
    id: str
    label: str  # message id (English); the Django side translates it
    available: bool
    reason: str  # empty when available; otherwise why not and the command that fixes it (for operators)
    options: tuple[Option, ...] = ()
    spec: ModelSpec | None = None


def _no_progress(fraction: float, stage: str) -> None:
    pass


def _never_cancel() -> bool:
    return False


@dataclass
class RunContext:
    device: torch.device
    precision: str  # resolved: one of PRECISIONS, never "auto"
    tile_size: int | None  # None: the model's default for this device; 0: whole image
    weights_dir: Path
    get_network: Callable[[str, Callable[[], torch.nn.Module]], torch.nn.Module]
    progress: Callable[[float, str], None] = field(default=_no_progress)
    should_cancel: Callable[[], bool] = field(default=_never_cancel)

    @property
    def dtype(self) -> torch.dtype:
        return DTYPES[self.precision]

    def report(self, fraction: float, stage: str) -> None:
        self.progress(min(max(fraction, 0.0), 1.0), stage)

    def check_cancel(self) -> None:
        if self.should_cancel():
            raise Cancelled("cancelled")

    def network(self, key: str, build: Callable[[], torch.nn.Module]) -> torch.nn.Module:
        """The network cached under `key` for this device and precision; `build` runs once per process."""
        return self.get_network(f"{key}@{self.device}/{self.precision}", build)

    def autocast(self):
        if self.precision == "fp32":
            return contextlib.nullcontext()
        return torch.autocast(device_type=self.device.type, dtype=self.dtype)


class Pipeline(Protocol):
    """Runs one catalogued model (its `spec`: options, sizes, precisions live there)."""

    spec: ModelSpec

    def weights_status(self, weights_dir: Path) -> tuple[bool, str]:
        """(True, "") when installed; else (False, reason naming the command that installs them)."""

    def run(self, img: Image.Image, options: dict, ctx: RunContext) -> Image.Image:
        """img is 8-bit RGB; returns 8-bit RGB. Mode, alpha and ICC handling live in api.py."""

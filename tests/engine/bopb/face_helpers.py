"""Shared helpers for the BOPB face-stage tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from PIL import Image

from enhance.engine.context import RunContext

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "faces"


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return float("inf") if mse == 0 else 10 * np.log10(255.0**2 / mse)


def load_rgb(name: str) -> np.ndarray:
    return np.asarray(Image.open(FIXTURES / name).convert("RGB"))


def as_batch(array: np.ndarray) -> torch.Tensor:
    """(H, W, 3) uint8 -> (1, 3, H, W) uint8."""
    return torch.from_numpy(np.ascontiguousarray(array.transpose(2, 0, 1)))[None]


def as_image_array(batch: torch.Tensor, index: int = 0) -> np.ndarray:
    return batch[index].permute(1, 2, 0).numpy()


def cpu_context(weights_dir: Path | None = None, precision: str = "fp32") -> RunContext:
    cache: dict = {}
    return RunContext(
        device=torch.device("cpu"),
        precision=precision,
        tile_size=None,
        weights_dir=Path(weights_dir or "."),
        get_network=lambda key, build: cache[key] if key in cache else cache.setdefault(key, build()),
    )

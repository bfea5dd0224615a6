"""Process-wide engine defaults. Imports nothing heavy so Django can call configure() at
start-up without loading torch."""

from __future__ import annotations

import os
from pathlib import Path

_config: dict[str, object] = {"weights_dir": None, "device": None}


def configure(weights_dir: Path | str | None = None, device: str | None = None) -> None:
    """Set defaults; unset values fall back to RESTORE_WEIGHTS_DIR / RESTORE_DEVICE."""
    if weights_dir is not None:
        _config["weights_dir"] = Path(weights_dir)
    if device is not None:
        _config["device"] = device


def default_weights_dir() -> Path:
    configured = _config["weights_dir"]
    if configured is not None:
        return Path(configured)
    return Path(os.environ.get("RESTORE_WEIGHTS_DIR", "var/weights"))


def default_device() -> str:
    return str(_config["device"] or os.environ.get("RESTORE_DEVICE") or "cpu")

"""Test fixtures: BOPB stage-1 checkpoints in the official layout and file format (torch.save'd
state dicts, the detector's wrapped under "model_state"), built from our networks with a fixed seed."""

from __future__ import annotations

import math
import zipfile
from pathlib import Path

import torch

from enhance.engine.weights.importers.bopb_layout import WEIGHT_FILES

ROOT = "checkpoints"  # the official archive unpacks to checkpoints/{detection,restoration}/...


def seeded_states(seed: int = 1234) -> dict[str, dict[str, torch.Tensor]]:
    """official relative path -> state dict of a freshly initialised network."""
    torch.manual_seed(seed)
    states = {}
    for spec in WEIGHT_FILES:
        net = spec.build()
        if spec.official.startswith("detection/"):
            _calibrate_detector(net)
        states[spec.official] = net.state_dict()
    return states


def _calibrate_detector(net: torch.nn.Module) -> None:
    """A freshly initialised detector gives nearly constant logits, so every pixel lands on the same
    side of the 0.4 threshold. Widen and centre its output on a picture-like input so that about
    half of a photo's pixels count as scratches: tests then see masks with both parts."""
    last = net.last[1]
    y, x = torch.meshgrid(torch.arange(64.0), torch.arange(64.0), indexing="ij")
    picture = (((x + 2 * y) % 64) / 32 - 1).view(1, 1, 64, 64)
    with torch.no_grad():
        last.weight.mul_(50.0)
        last.bias.zero_()
        median = net.eval()(picture).median()
        last.bias.fill_(math.log(0.4 / 0.6) - float(median))


def write_official_folder(folder: Path, states: dict[str, dict[str, torch.Tensor]]) -> Path:
    for spec in WEIGHT_FILES:
        target = folder / ROOT / spec.official
        target.parent.mkdir(parents=True, exist_ok=True)
        state = states[spec.official]
        payload = {spec.wrapped_key: state, "epoch": 10} if spec.wrapped_key else state
        torch.save(payload, target)
    return folder


def zip_folder(folder: Path, archive: Path) -> Path:
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_STORED) as zf:
        for file in sorted(folder.rglob("*")):
            if file.is_file():
                zf.write(file, file.relative_to(folder).as_posix())
    return archive

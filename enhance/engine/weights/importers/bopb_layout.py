"""Where BOPB stage-1 weights live: the official checkpoint paths, the canonical safetensors
files they become, and the network each one loads into.

Canonical layout under WEIGHTS_DIR:
    bopb/{detection, vae_a_quality, vae_b_quality, vae_b_scratch, mapping_quality,
          mapping_scratch, mapping_patch_attention}.safetensors  + manifest.json
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from torch import nn

from enhance.engine.archs.bopb import (
    PatchAttentionMapping,
    QualityMapping,
    ScratchDetector,
    ScratchMapping,
    VaeGenerator,
)

MODEL_DIR = "bopb"
IMPORT_COMMAND = (
    "python manage.py import_weights bopb PATH (the official global_checkpoints.zip) "
    "or python manage.py fetch_weights bopb"
)
# Official release archive of the stage-1 ("Global") checkpoints as the official README publishes
# it; the mirror is the address of the official download script and Dockerfile.
RELEASE_URLS = (
    "https://github.com/microsoft/Bringing-Old-Photos-Back-to-Life/releases/download/v1.0/global_checkpoints.zip",
    "https://facevc.blob.core.windows.net/zhanbo/old_photo/pretrain/Global/checkpoints.zip",
)
LICENCE = "MIT (microsoft/Bringing-Old-Photos-Back-to-Life)"


@dataclass(frozen=True)
class WeightFile:
    canonical: str  # file name under WEIGHTS_DIR/bopb
    official: str  # path inside the official checkpoints folder
    build: Callable[[], nn.Module]
    wrapped_key: str | None = None  # the detection checkpoint nests its state dict under this key


WEIGHT_FILES: tuple[WeightFile, ...] = (
    WeightFile("detection.safetensors", "detection/FT_Epoch_latest.pt", ScratchDetector, "model_state"),
    WeightFile("vae_a_quality.safetensors", "restoration/VAE_A_quality/latest_net_G.pth", VaeGenerator),
    WeightFile("vae_b_quality.safetensors", "restoration/VAE_B_quality/latest_net_G.pth", VaeGenerator),
    WeightFile("vae_b_scratch.safetensors", "restoration/VAE_B_scratch/latest_net_G.pth", VaeGenerator),
    WeightFile("mapping_quality.safetensors", "restoration/mapping_quality/latest_net_mapping_net.pth", QualityMapping),
    WeightFile("mapping_scratch.safetensors", "restoration/mapping_scratch/latest_net_mapping_net.pth", ScratchMapping),
    WeightFile(
        "mapping_patch_attention.safetensors",
        "restoration/mapping_Patch_Attention/latest_net_mapping_net.pth",
        PatchAttentionMapping,
    ),
)
BY_CANONICAL = {f.canonical: f for f in WEIGHT_FILES}
CANONICAL_FILES = tuple(f.canonical for f in WEIGHT_FILES)

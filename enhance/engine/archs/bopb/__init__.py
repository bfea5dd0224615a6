"""Bringing Old Photos Back to Life, stage 1: the networks (checkpoint-compatible with the official
release; tensor names follow the official modules)."""

from enhance.engine.archs.bopb.detection import ScratchDetector
from enhance.engine.archs.bopb.mapping_quality import QualityMapping
from enhance.engine.archs.bopb.mapping_scratch import ScratchMapping
from enhance.engine.archs.bopb.patch_attention import PatchAttentionMapping
from enhance.engine.archs.bopb.vae import VaeGenerator

__all__ = ["PatchAttentionMapping", "QualityMapping", "ScratchDetector", "ScratchMapping", "VaeGenerator"]

"""SPADE normalisation as the BOPB face generator uses it: a parameter-free batch norm with the
running statistics stored in the checkpoint, then a per-pixel scale and shift predicted from the
degraded face (the `no_parsing_map` variant: the face image, not a parsing map, drives it)."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

HIDDEN = 128  # hard-coded in the official SPADE
BATCH_NORM_EPS = 1e-5  # SynchronizedBatchNorm2d's default


class StoredStatsNorm(nn.Module):
    """Affine-free batch norm that always normalises with its stored running statistics (the
    official generator runs in eval mode). Buffers are named as the official
    `param_free_norm` so checkpoints load by name; the batch counter is dropped at import."""

    def __init__(self, channels: int):
        super().__init__()
        self.register_buffer("running_mean", torch.zeros(channels))
        self.register_buffer("running_var", torch.ones(channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.batch_norm(x, self.running_mean, self.running_var, training=False, eps=BATCH_NORM_EPS)


class Spade(nn.Module):
    def __init__(self, channels: int, guide_channels: int = 3):
        super().__init__()
        self.param_free_norm = StoredStatsNorm(channels)
        self.mlp_shared = nn.Sequential(nn.Conv2d(guide_channels, HIDDEN, 3, padding=1), nn.ReLU())
        self.mlp_gamma = nn.Conv2d(HIDDEN, channels, 3, padding=1)
        self.mlp_beta = nn.Conv2d(HIDDEN, channels, 3, padding=1)

    def forward(self, x: torch.Tensor, guide: torch.Tensor) -> torch.Tensor:
        """`guide` is the degraded face already resized to x's size (one resize per size is shared
        by every SPADE of the generator)."""
        actv = self.mlp_shared(guide)
        return self.param_free_norm(x) * (1 + self.mlp_gamma(actv)) + self.mlp_beta(actv)

"""The face generator's residual block: SPADE -> leaky ReLU -> conv, twice, plus a learned
(SPADE + 1x1 conv) shortcut when the width changes. The official convs carry spectral norm; the
importer folds it into plain weights (weight_orig / sigma from the stored u, v), which is exactly
what spectral norm computes in eval mode."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from enhance.engine.archs.bopb.spade import Spade

LEAK = 0.2


class SpadeResnetBlock(nn.Module):
    def __init__(self, fin: int, fout: int):
        super().__init__()
        self.learned_shortcut = fin != fout
        middle = min(fin, fout)
        self.conv_0 = nn.Conv2d(fin, middle, 3, padding=1)
        self.conv_1 = nn.Conv2d(middle, fout, 3, padding=1)
        self.norm_0 = Spade(fin)
        self.norm_1 = Spade(middle)
        if self.learned_shortcut:
            self.conv_s = nn.Conv2d(fin, fout, 1, bias=False)
            self.norm_s = Spade(fin)

    def forward(self, x: torch.Tensor, guide: torch.Tensor) -> torch.Tensor:
        shortcut = self.conv_s(self.norm_s(x, guide)) if self.learned_shortcut else x
        dx = self.conv_0(F.leaky_relu(self.norm_0(x, guide), LEAK))
        dx = self.conv_1(F.leaky_relu(self.norm_1(dx, guide), LEAK))
        return shortcut + dx

"""The pass that swaps the engine's bf16 kernels into a loaded network, in place."""

from __future__ import annotations

from torch import nn

from enhance.engine.kernels import deconv, winograd
from enhance.engine.kernels.build import kernel_library


def accelerate(model: nn.Module) -> int:
    """Swap every supported 3x3 conv (with a following LeakyReLU fused where a Sequential pairs
    them) for WinogradConv3x3 and waifu2x's 4x4 stride-2 output layers for Deconv4x4Stride2.
    Returns how many were swapped; 0 when the kernels are unavailable on this machine."""
    if kernel_library() is None:
        return 0
    return _swap(model)


def _conv_then_leaky_relu(module: nn.Module) -> bool:
    if not isinstance(module, nn.Sequential) or len(module) != 2:
        return False
    return winograd.supports(module[0]) and type(module[1]) is nn.LeakyReLU


def _swap(module: nn.Module) -> int:
    swapped = 0
    for name, child in module.named_children():
        if _conv_then_leaky_relu(child):
            replacement = winograd.WinogradConv3x3(child[0], child[1].negative_slope)
        elif winograd.supports(child):
            replacement = winograd.WinogradConv3x3(child)
        elif deconv.supports(child):
            replacement = deconv.Deconv4x4Stride2(child)
        else:
            swapped += _swap(child)
            continue
        setattr(module, name, replacement)
        swapped += 1
    return swapped

"""fp32 islands inside the BOPB stage-1 networks.

A network names the submodules that stay in fp32 whatever the precision it is cast to
(`FP32_ISLANDS`, dotted paths); its forward casts activations to the dtype of the part they enter.
Why these parts: the networks are deep stacks of instance-normalised convolutions that amplify any
early perturbation (a ~1 dB loss per layer on the test checkpoints), and the scratch branch's
attention logits amplify it again, so the rounding that matters is the one made first: the VAE
encoder's, and that of the features the attention's queries and keys are computed from. See
catalog/bopb.py for the measured effect.
"""

from __future__ import annotations

import torch
from torch import nn


def to_precision(net: nn.Module, dtype: torch.dtype) -> nn.Module:
    """Cast `net` (loaded in fp32) to `dtype` in place, except its FP32_ISLANDS, whose weights are
    never rounded (casting everything and back would leave them rounded to `dtype`)."""
    _cast(net, "", dtype, tuple(getattr(net, "FP32_ISLANDS", ())))
    return net


def _cast(module: nn.Module, path: str, dtype: torch.dtype, islands: tuple[str, ...]) -> None:
    if path in islands:
        return
    if not any(not path or island.startswith(path + ".") for island in islands):
        module.to(dtype)  # no island below
        return
    for param in module._parameters.values():
        if param is not None and param.is_floating_point():
            param.data = param.data.to(dtype)
    for key, buffer in module._buffers.items():
        if buffer is not None and buffer.is_floating_point():
            module._buffers[key] = buffer.to(dtype)
    for name, child in module.named_children():
        _cast(child, f"{path}.{name}" if path else name, dtype, islands)


def dtype_of(module: nn.Module) -> torch.dtype:
    return next(module.parameters()).dtype


def entering(module: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """x in the dtype of the module it is about to enter."""
    return x.to(dtype_of(module))

"""ncnn layers -> a PyTorch state dict for one of our networks.

The network's Conv2d / ConvTranspose2d / Linear modules, in declaration order, must match the
.param's weighted layers in file order, type and shape; anything else is refused. PReLU
slopes count as weighted layers (one slope per channel, no bias). ncnn keeps
Deconvolution weights as (out, in, kh, kw) while ConvTranspose2d wants (in, out, kh, kw);
ncnn's deconvolution scatters each input pixel with the kernel as stored, like PyTorch, so no
spatial flip is needed (checked by the parity tests against the ncnn runtime).
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from enhance.engine.errors import WeightsFormatError
from enhance.engine.weights.ncnn_format import NcnnLayer, weighted_layers

_KINDS = {
    nn.Conv2d: "Convolution",
    nn.ConvTranspose2d: "Deconvolution",
    nn.Linear: "InnerProduct",
    nn.PReLU: "PReLU",
}


def parameter_modules(model: nn.Module) -> list[tuple[str, nn.Module]]:
    return [(name, mod) for name, mod in model.named_modules() if type(mod) in _KINDS]


def _check_geometry(layer: NcnnLayer, module: nn.Module, where: str) -> None:
    if isinstance(module, (nn.Linear, nn.PReLU)):
        return
    kernel = int(layer.param(1))
    stride = int(layer.param(3, 1))
    if (kernel, kernel) != tuple(module.kernel_size) or (stride, stride) != tuple(module.stride):
        raise WeightsFormatError(
            f"{where}: kernel/stride {kernel}/{stride} do not match the network ({module.kernel_size}/{module.stride})"
        )


def state_dict_from_ncnn(layers: list[NcnnLayer], model: nn.Module, source: str) -> dict[str, torch.Tensor]:
    modules = parameter_modules(model)
    weighted = weighted_layers(layers)
    if len(weighted) != len(modules):
        raise WeightsFormatError(
            f"{source}: {len(weighted)} weighted layers, the {type(model).__name__} network has {len(modules)}"
        )
    state: dict[str, torch.Tensor] = {}
    for (name, module), layer in zip(modules, weighted, strict=True):
        where = f"{source}: layer {layer.name} -> {name}"
        if layer.type != _KINDS[type(module)]:
            raise WeightsFormatError(f"{where}: expected {_KINDS[type(module)]}, found {layer.type}")
        _check_geometry(layer, module, where)
        shape = tuple(module.weight.shape)
        weight = layer.weights["weight"]
        if weight.size != int(np.prod(shape)):
            raise WeightsFormatError(f"{where}: {weight.size} weights, expected {shape}")
        if isinstance(module, nn.ConvTranspose2d):
            cin, cout, kh, kw = shape
            weight = weight.reshape(cout, cin, kh, kw).transpose(1, 0, 2, 3)
        else:
            weight = weight.reshape(shape)
        prefix = f"{name}." if name else ""
        state[f"{prefix}weight"] = torch.from_numpy(np.ascontiguousarray(weight))
        if getattr(module, "bias", None) is not None:
            if "bias" not in layer.weights or layer.weights["bias"].size != module.bias.numel():
                raise WeightsFormatError(f"{where}: bias missing or of the wrong size")
            state[f"{prefix}bias"] = torch.from_numpy(layer.weights["bias"].copy())
    return state

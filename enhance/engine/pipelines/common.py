"""Shared pieces of the SR pipelines: PIL <-> uint8 tensors, network preparation for a
device/precision, and the per-tile function (uint8 in, uint8 out) the tiler calls."""

from __future__ import annotations

import copy
from collections.abc import Callable

import numpy as np
import torch
from PIL import Image
from torch import nn

from enhance.engine.context import RunContext
from enhance.engine.kernels.accelerate import accelerate
from enhance.engine.kernels.heap import keep_freed_memory


def image_to_tensor(img: Image.Image) -> torch.Tensor:
    """8-bit RGB image -> (1, 3, H, W) uint8 tensor."""
    array = np.asarray(img, dtype=np.uint8)
    return torch.from_numpy(np.ascontiguousarray(array.transpose(2, 0, 1)))[None]


def tensor_to_image(t: torch.Tensor) -> Image.Image:
    """(1, 3, H, W) uint8 -> RGB image; no intermediate copy when t is channels_last."""
    return Image.fromarray(np.ascontiguousarray(t[0].permute(1, 2, 0).cpu().numpy()), "RGB")


def output_buffer(height: int, width: int) -> torch.Tensor:
    """The preallocated result: uint8, channels_last so tensor_to_image can hand it to Pillow as is."""
    return torch.empty((1, 3, height, width), dtype=torch.uint8, memory_format=torch.channels_last)


def edge_pad(t: torch.Tensor, top: int, bottom: int, left: int, right: int) -> torch.Tensor:
    """Replicate-pad a uint8 NCHW tensor (F.pad's replicate mode wants floats)."""
    if not (top or bottom or left or right):
        return t
    padded = np.pad(t.numpy(), ((0, 0), (0, 0), (top, bottom), (left, right)), mode="edge")
    return torch.from_numpy(padded)


def load_network(factory: Callable[[], nn.Module], state: dict[str, torch.Tensor]) -> nn.Module:
    """Build on the meta device (skipping random initialisation, most of RRDBNet's build time)
    and adopt the loaded tensors; strict, so a missing or extra tensor is an error."""
    with torch.device("meta"):
        model = factory()
    model.load_state_dict({k: v.float() for k, v in state.items()}, strict=True, assign=True)
    return model.eval().requires_grad_(False)


def prepare_network(
    factory: Callable[[], nn.Module],
    state: dict[str, torch.Tensor],
    ctx: RunContext,
    fp32_modules: tuple[str, ...] = (),
) -> nn.Module:
    """`fp32_modules` stay in fp32 at every precision (and so keep PyTorch's convolution)."""
    model = load_network(factory, state)
    kept = {name: copy.deepcopy(model.get_submodule(name)) for name in fp32_modules}
    model = model.to(device=ctx.device, dtype=ctx.dtype, memory_format=torch.channels_last)
    for name, module in kept.items():
        model.set_submodule(name, module.to(device=ctx.device, memory_format=torch.channels_last))
    if ctx.device.type == "cpu":
        keep_freed_memory()
        if ctx.dtype == torch.bfloat16:
            accelerate(model)
    return model


def to_uint8(y: torch.Tensor) -> torch.Tensor:
    # As the references: clamp to [0, 1], x255, round half to even (torch.round).
    return y.float().clamp_(0, 1).mul_(255).round_().to(torch.uint8)


def tile_function(
    net: nn.Module,
    ctx: RunContext,
    *,
    align: int = 1,
    context: int = 0,
    scale: int = 1,
    input_dtype: torch.dtype | None = None,
) -> Callable[[torch.Tensor], torch.Tensor]:
    """uint8 region -> uint8 output. Pads bottom/right by edge replication to a multiple of
    `align` (CUNet) and cuts the matching output back off. `input_dtype` (default: the
    precision's) lets a network that adds its input back receive it exactly, in fp32."""

    def run(region: torch.Tensor) -> torch.Tensor:
        h, w = region.shape[2], region.shape[3]
        pad_h, pad_w = (-h) % align, (-w) % align
        region = edge_pad(region, 0, pad_h, 0, pad_w)
        x = region.to(ctx.device).to(input_dtype or ctx.dtype).div_(255).contiguous(memory_format=torch.channels_last)
        with torch.inference_mode():
            y = net(x)
        y = to_uint8(y[:, :, : (h - 2 * context) * scale, : (w - 2 * context) * scale])
        return y.cpu() if y.device.type != "cpu" else y

    return run

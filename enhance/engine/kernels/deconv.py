"""waifu2x's output layer, ConvTranspose2d(cin, 3, 4, stride 2, padding 3), on the bf16
GEMM kernel (deconv_k4s2.c). Like WinogradConv3x3 it keeps the original layer and uses it
for any input the kernel does not take."""

from __future__ import annotations

import ctypes

import torch
from torch import nn

from enhance.engine.kernels.build import DeconvArgs, kernel_library


def pack_taps(weight: torch.Tensor) -> torch.Tensor:
    """(cin, 3, 4, 4) -> bf16 [cin/2][48][2], column (ky * 4 + kx) * 3 + c."""
    cin = weight.shape[0]
    taps = weight.detach().float().cpu().permute(0, 2, 3, 1).reshape(cin // 2, 2, 48)
    return taps.permute(0, 2, 1).to(torch.bfloat16).contiguous()


def supports(module: nn.Module) -> bool:
    return (
        type(module) is nn.ConvTranspose2d
        and module.out_channels == 3
        and module.in_channels % 2 == 0
        and module.kernel_size == (4, 4)
        and module.stride == (2, 2)
        and module.padding == (3, 3)
        and module.output_padding == (0, 0)
        and module.dilation == (1, 1)
        and module.groups == 1
        and module.weight.dtype == torch.bfloat16
        and module.weight.device.type == "cpu"
    )


class Deconv4x4Stride2(nn.Module):
    def __init__(self, deconv: nn.ConvTranspose2d):
        super().__init__()
        self.deconv = deconv
        self.register_buffer("packed", pack_taps(deconv.weight), persistent=False)
        bias = deconv.bias if deconv.bias is not None else torch.zeros(3)
        self.register_buffer("bias32", bias.detach().float().contiguous(), persistent=False)

    @property
    def weight(self) -> torch.Tensor:
        return self.deconv.weight

    def can_run(self, x: torch.Tensor) -> bool:
        return (
            x.dim() == 4
            and x.dtype == torch.bfloat16
            and x.device.type == "cpu"
            and kernel_library() is not None
            and x.stride(1) == 1
            and x.shape[1] == self.deconv.in_channels
            and min(x.shape[2:]) >= 3
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.can_run(x):
            return self.deconv(x)
        n, cin, h, w = x.shape
        out = torch.empty((n, 3, 2 * h - 4, 2 * w - 4), dtype=x.dtype, memory_format=torch.channels_last)
        args = DeconvArgs(
            x.data_ptr(), x.stride(0), x.stride(2), x.stride(3), n, h, w, cin,
            out.data_ptr(), out.stride(0), out.stride(1), out.stride(2), out.stride(3),
            self.packed.data_ptr(), self.bias32.data_ptr(),
        )  # fmt: skip
        if kernel_library().deconv_k4s2(ctypes.byref(args), torch.get_num_threads()) != 0:
            raise MemoryError("out of memory in the transposed convolution")
        return out

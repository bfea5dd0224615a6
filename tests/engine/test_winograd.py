"""The bf16 kernels (Winograd F(4x4, 3x3) convolution on int16; 4x4 stride-2 transposed convolution):
accuracy against float64, strided slices in and out, fallbacks, the swap pass, and how the
engine behaves when they cannot be built."""

from __future__ import annotations

import gc
import logging
import os
import platform
import shutil
import sys

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from enhance.engine.api import collector_paused
from enhance.engine.archs import waifu2x
from enhance.engine.archs.rrdbnet import RRDBNet
from enhance.engine.device import cpu_has_avx512_bf16_and_vnni
from enhance.engine.kernels import build, heap
from enhance.engine.kernels.accelerate import accelerate
from enhance.engine.kernels.deconv import Deconv4x4Stride2
from enhance.engine.kernels.winograd import WinogradConv3x3, pack_weights, quantization_bits, supports

pytestmark = pytest.mark.engine

needs_kernel = pytest.mark.skipif(
    not cpu_has_avx512_bf16_and_vnni(), reason="CPU without AVX-512 BF16 and VNNI uses PyTorch's convolution"
)


def _conv(cin: int, cout: int, padding: int, seed: int = 0) -> nn.Conv2d:
    torch.manual_seed(seed)
    conv = nn.Conv2d(cin, cout, 3, 1, padding)
    with torch.no_grad():
        conv.weight.normal_(0, (2 / (9 * cin)) ** 0.5)
        conv.bias.normal_(0, 0.1)
    return conv


def _bf16_last(x: torch.Tensor) -> torch.Tensor:
    return x.to(torch.bfloat16).contiguous(memory_format=torch.channels_last)


def _relative_error(y: torch.Tensor, ref: torch.Tensor) -> float:
    return ((y.double() - ref).pow(2).mean() / ref.pow(2).mean()).sqrt().item()


@needs_kernel
def test_kernel_builds_on_a_bf16_cpu():
    # Where the CPU can run it, a missing kernel is a failure, not a silent slow path.
    assert build.kernel_library() is not None


@needs_kernel
@pytest.mark.parametrize(
    ("cin", "cout", "height", "width", "padding", "slope"),
    [
        (64, 32, 17, 23, 1, 0.2),  # RealSR dense-block shape, odd sizes
        (192, 64, 12, 9, 1, 1.0),  # RealSR conv5, no activation
        (16, 32, 11, 14, 0, 0.1),  # waifu2x valid convolution
        (128, 256, 9, 10, 0, 0.1),  # several output chunks of 64
        (64, 16, 3, 3, 0, 0.1),  # a single output pixel
        (32, 64, 1, 1, 1, 1.0),  # a single input pixel, padded
        (64, 3, 13, 18, 0, 1.0),  # waifu2x's RGB output conv: 16 computed, 3 stored
        (32, 7, 6, 5, 1, 0.1),  # another count below 16
    ],
)
def test_matches_float64_convolution(cin, cout, height, width, padding, slope):
    conv = _conv(cin, cout, padding)
    x = torch.randn(1, cin, height, width)
    ref = F.conv2d(x.double(), conv.weight.double(), conv.bias.double(), padding=padding)
    ref = F.leaky_relu(ref, slope)
    direct = F.leaky_relu(conv.to(torch.bfloat16)(_bf16_last(x)), slope)
    with torch.inference_mode():
        fast = WinogradConv3x3(conv, slope)(_bf16_last(x))
    assert fast.shape == ref.shape
    assert fast.dtype == torch.bfloat16
    assert fast.is_contiguous(memory_format=torch.channels_last)
    # Transformed input and weights are each rounded to 12-13 bits where the direct path
    # rounds nothing beyond bf16: allow a little more error than bf16 alone.
    assert _relative_error(fast, ref) < 2.5 * max(_relative_error(direct, ref), 1e-3)


@needs_kernel
def test_reads_and_writes_channel_slices_of_wider_buffers():
    conv = _conv(96, 32, 1).to(torch.bfloat16)
    fast = WinogradConv3x3(conv, 0.2)
    buf = _bf16_last(torch.randn(2, 160, 13, 19))
    expected = fast(buf[:, :96].contiguous(memory_format=torch.channels_last))
    before = buf.clone()
    with torch.inference_mode():
        fast.forward_into(buf[:, :96], buf[:, 96:128])
    assert torch.equal(buf[:, 96:128], expected)
    assert torch.equal(buf[:, :96], before[:, :96]) and torch.equal(buf[:, 128:], before[:, 128:])


@needs_kernel
def test_batch_matches_single_images():
    fast = WinogradConv3x3(_conv(32, 64, 1).to(torch.bfloat16), 0.1)
    x = _bf16_last(torch.randn(3, 32, 10, 7))
    with torch.inference_mode():
        whole = fast(x)
        for i in range(3):
            assert torch.equal(whole[i : i + 1], fast(x[i : i + 1]))


def test_falls_back_to_the_original_convolution_for_other_inputs():
    conv = _conv(32, 32, 1)
    fast = WinogradConv3x3(conv.to(torch.bfloat16), 0.2)
    fp32_input = torch.randn(1, 32, 8, 8)
    nchw_bf16 = fp32_input.to(torch.bfloat16)  # channels not innermost
    with torch.inference_mode():
        assert torch.equal(fast(nchw_bf16), F.leaky_relu(conv(nchw_bf16), 0.2))
        with pytest.raises(RuntimeError):  # as the plain layer would: wrong dtype
            fast(fp32_input)


def test_swap_pass_picks_the_supported_convolutions(monkeypatch):
    if not cpu_has_avx512_bf16_and_vnni():
        assert accelerate(RRDBNet().to(torch.bfloat16)) == 0
        return
    realsr = RRDBNet().to(torch.bfloat16)
    # 23 RRDBs x 3 RDBs x 5 convs + trunk_conv, upconv1/2, HRconv, conv_last; not conv_first (3 in).
    assert accelerate(realsr) == 23 * 3 * 5 + 5
    assert type(realsr.conv_first) is nn.Conv2d and isinstance(realsr.conv_last, WinogradConv3x3)
    upconv7 = waifu2x.build("upconv7").to(torch.bfloat16)
    assert accelerate(upconv7) == 6  # all 3x3 but 3 -> 16, LeakyReLU fused; and the output layer
    assert all(isinstance(layer, WinogradConv3x3) and layer.slope == 0.1 for layer in upconv7.body[1:])
    assert isinstance(upconv7.upconv, Deconv4x4Stride2)
    upcunet = waifu2x.build("upcunet").to(torch.bfloat16)
    accelerate(upcunet)
    assert isinstance(upcunet.unet1.conv_bottom, Deconv4x4Stride2)
    assert isinstance(upcunet.unet2.conv_bottom, WinogradConv3x3)  # 64 -> 3, padded to 16
    assert type(upcunet.unet1.conv2_up[0]) is nn.ConvTranspose2d  # 2x2 stride 2: PyTorch's path
    assert accelerate(waifu2x.build("upconv7")) == 0  # fp32 weights stay on PyTorch's path


def test_swap_is_off_when_disabled(monkeypatch):
    monkeypatch.setenv("RESTORE_FAST_CONV", "0")
    build.kernel_library.cache_clear()
    try:
        assert build.kernel_library() is None
        assert accelerate(RRDBNet().to(torch.bfloat16)) == 0
    finally:
        build.kernel_library.cache_clear()


def test_a_failed_build_logs_and_falls_back(monkeypatch, tmp_path, caplog):
    monkeypatch.setattr(build, "cpu_has_avx512_bf16_and_vnni", lambda: True)
    cache = tmp_path / "kernels"
    monkeypatch.setenv("RESTORE_KERNEL_CACHE", str(cache))
    monkeypatch.setenv("CC", "false")  # a "compiler" that always fails
    build.kernel_library.cache_clear()
    try:
        with caplog.at_level(logging.WARNING, logger=build.__name__):
            assert build.kernel_library() is None
        assert "fast bf16 convolution off" in caplog.text
        assert list(cache.iterdir()) == []  # no half-written library left behind
    finally:
        build.kernel_library.cache_clear()


def test_supports_only_plain_3x3_stride_1():
    assert supports(_conv(16, 16, 1).to(torch.bfloat16))
    assert not supports(_conv(16, 16, 1))  # fp32
    assert not supports(nn.Conv2d(16, 16, 3, 2, 1).to(torch.bfloat16))
    assert not supports(nn.Conv2d(16, 16, 2, 2, 0).to(torch.bfloat16))
    assert not supports(nn.Conv2d(3, 16, 3, 1, 1).to(torch.bfloat16))  # 3 input channels
    assert supports(nn.Conv2d(16, 3, 3, 1, 1).to(torch.bfloat16))  # 3 output channels: padded to 16
    assert not supports(nn.Conv2d(16, 48, 3, 1, 1).to(torch.bfloat16))  # not 16, 32 or chunks of 64
    assert not supports(nn.Conv2d(16, 16, 3, 1, 1, padding_mode="replicate").to(torch.bfloat16))


def test_packed_weights_reproduce_the_kernel_transform():
    # U = G g G^T: the centre tap of a delta kernel maps to the known row of G x G.
    weight = torch.zeros(16, 2, 3, 3)
    weight[:, 0, 1, 1] = 1.0
    packed, scales = pack_weights(weight)  # [36][cout/16][cin/2][16][2], [36][cout]
    assert packed.dtype == torch.int16 and packed.shape == (36, 1, 1, 16, 2)
    g_centre = torch.tensor([0.0, -1 / 6, 1 / 6, 1 / 12, -1 / 12, 0.0], dtype=torch.float64)
    expected = torch.outer(g_centre, g_centre).reshape(36)
    dequantized = packed[:, 0, 0, :, 0].double() * scales.double()
    assert torch.allclose(dequantized, expected[:, None].expand(36, 16), rtol=1e-6, atol=0)
    assert not packed[:, 0, 0, :, 1].any()  # the second input channel's weights are zero


def test_packing_keeps_output_channel_chunks_contiguous():
    torch.manual_seed(3)
    weight = torch.randn(128, 4, 3, 3)
    packed, scales = pack_weights(weight)
    assert packed.shape == (36, 2, 2, 64, 2)  # two chunks of 64 output channels
    alone, alone_scales = pack_weights(weight[64:])
    assert torch.equal(packed[:, 1], alone[:, 0]) and torch.equal(scales[:, 64:], alone_scales)


@pytest.mark.parametrize("cin", [16, 32, 48, 64, 96, 128, 192, 256, 288, 512, 1024])
def test_quantization_bits_leave_no_room_for_int32_overflow(cin):
    input_bits, weight_bits = quantization_bits(cin)
    assert cin * (2**input_bits - 1) * (2**weight_bits - 1) < 2**31
    assert 10 <= weight_bits <= input_bits <= 14


@needs_kernel
@pytest.mark.parametrize("cin", [256, 288])
def test_worst_case_sums_do_not_overflow(cin):
    # Every input and weight at full scale with one sign: each int32 sum reaches its bound.
    conv = nn.Conv2d(cin, 64, 3, 1, 1).to(torch.bfloat16)
    with torch.no_grad():
        conv.weight.fill_(1.0 / cin)
        conv.bias.zero_()
    x = _bf16_last(torch.full((1, cin, 8, 8), 30.0))
    ref = F.conv2d(x.double(), conv.weight.double(), padding=1)
    with torch.inference_mode():
        fast = WinogradConv3x3(conv)(x)
    assert _relative_error(fast, ref) < 1e-2


@needs_kernel
def test_zero_tiles_give_the_bias_exactly():
    conv = _conv(32, 32, 1).to(torch.bfloat16)
    x = torch.zeros(1, 32, 12, 12)
    x[:, :, :4, :4] = torch.randn(1, 32, 4, 4)  # one tile of signal, the rest all zero
    with torch.inference_mode():
        out = WinogradConv3x3(conv)(_bf16_last(x))
    bias = conv.bias.to(torch.bfloat16).view(1, 32)
    assert torch.equal(out[:, :, 8:, 8:].permute(0, 2, 3, 1).reshape(-1, 32), bias.expand(16, 32))


@needs_kernel
@pytest.mark.parametrize(("batch", "cin", "height", "width"), [(1, 256, 9, 13), (2, 64, 5, 4), (1, 64, 3, 3)])
def test_output_deconvolution_matches_float64(batch, cin, height, width):
    torch.manual_seed(1)
    layer = nn.ConvTranspose2d(cin, 3, 4, 2, 3)
    x = torch.randn(batch, cin, height, width)
    ref = F.conv_transpose2d(x.double(), layer.weight.double(), layer.bias.double(), stride=2, padding=3)
    layer = layer.to(torch.bfloat16)
    direct = layer(_bf16_last(x))
    with torch.inference_mode():
        fast = Deconv4x4Stride2(layer)(_bf16_last(x))
    assert fast.shape == ref.shape == (batch, 3, 2 * height - 4, 2 * width - 4)
    assert _relative_error(fast, ref) < 1.5 * max(_relative_error(direct, ref), 1e-3)


def test_output_deconvolution_falls_back_where_the_kernel_does_not_apply():
    layer = nn.ConvTranspose2d(64, 3, 4, 2, 3).to(torch.bfloat16)
    fast = Deconv4x4Stride2(layer)
    tiny = _bf16_last(torch.randn(1, 64, 2, 5))  # too small for the kernel's gather
    nchw = torch.randn(1, 64, 6, 6).to(torch.bfloat16)
    with torch.inference_mode():
        for x in (tiny, nchw):
            try:
                expected = layer(x)
            except RuntimeError:  # an empty output: some CPU backends refuse it, others return it
                with pytest.raises(RuntimeError):
                    fast(x)
                continue
            assert torch.equal(fast(x), expected)


def test_heap_tuning_applies_once_and_can_be_switched_off(monkeypatch):
    heap.keep_freed_memory.cache_clear()
    try:
        monkeypatch.setenv("RESTORE_MALLOC_TUNING", "0")
        assert heap.keep_freed_memory() is False
        heap.keep_freed_memory.cache_clear()
        monkeypatch.delenv("RESTORE_MALLOC_TUNING")
        expected = sys.platform.startswith("linux") and platform.libc_ver()[0] == "glibc"
        assert heap.keep_freed_memory() is expected
    finally:
        heap.keep_freed_memory.cache_clear()


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="malloc_trim is glibc's")
def test_freed_heap_can_be_handed_back_to_the_system():
    def rss() -> int:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")

    if not heap.keep_freed_memory():
        pytest.skip("heap tuning is off (RESTORE_MALLOC_TUNING=0)")
    block = torch.ones(64 * 2**20, dtype=torch.uint8)  # 64 MB, kept in the heap when freed
    del block
    kept = rss()
    assert heap.release_freed_memory() is True
    assert rss() < kept - 32 * 2**20


def test_a_job_pauses_the_cycle_collector_and_restores_it():
    seen = []
    with collector_paused():
        seen.append(gc.isenabled())
    assert seen == [False] and gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()  # a caller that had it off keeps it off
    finally:
        gc.enable()


@needs_kernel
def test_a_damaged_cached_library_is_rebuilt(monkeypatch, tmp_path):
    monkeypatch.setenv("RESTORE_KERNEL_CACHE", str(tmp_path))
    build.kernel_library.cache_clear()
    try:
        compiler = shutil.which(os.environ.get("CC", "cc")) or shutil.which("gcc")
        damaged = tmp_path / build.library_name(compiler)
        damaged.write_bytes(b"not a shared library")
        assert build.kernel_library() is not None
        assert damaged.read_bytes()[:4] == b"\x7fELF"
    finally:
        build.kernel_library.cache_clear()

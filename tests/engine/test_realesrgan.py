"""Real-ESRGAN: the pipeline against the ncnn runtime on the packaged files (fp32, whole
image, every variant and scale), tiling, reduced precisions, options."""

from __future__ import annotations

import numpy as np
import pytest

from enhance.engine import enhance_image, output_size, validate_options
from enhance.engine.kernels.build import kernel_library
from enhance.engine.pipelines import realesrgan
from tests.engine.helpers import ncnn_forward, ncnn_net, psnr, random_image, to_uint8

pytestmark = pytest.mark.engine

PARITY_CASES = [
    # (variant, scale, packaged ncnn model); the x2/x3 graphs are the x4 weights plus a bicubic Interp
    ("x4plus", 4, "REALESRGAN_X4PLUS_UP4X"),
    ("x4plus-anime", 4, "REALESRGAN_X4PLUSANIME_UP4X"),
    ("animevideov3", 2, "REALESRGAN_ANIMAVIDEOV3_UP2X"),
    ("animevideov3", 3, "REALESRGAN_ANIMAVIDEOV3_UP3X"),
    ("animevideov3", 4, "REALESRGAN_ANIMAVIDEOV3_UP4X"),
]


@pytest.mark.parametrize(("variant", "scale", "name"), PARITY_CASES)
def test_matches_ncnn(engine, rng, variant, scale, name):
    img = random_image(rng, 23, 19)
    options = {"variant": variant, "scale": scale}
    ours = np.asarray(enhance_image(img, "realesrgan", options, precision="fp32", tile_size=0))
    chw = np.asarray(img, dtype=np.float32).transpose(2, 0, 1) / 255.0
    reference = to_uint8(ncnn_forward(ncnn_net("realesrgan", name), chw, "data", "output"))
    assert ours.shape == reference.shape == (19 * scale, 23 * scale, 3)
    assert psnr(ours, reference) >= 60


def _tiled_vs_whole(rng, options, size, tile):
    img = random_image(rng, *size)
    whole = np.asarray(enhance_image(img, "realesrgan", options, precision="fp32", tile_size=0))
    tiled = np.asarray(enhance_image(img, "realesrgan", options, precision="fp32", tile_size=tile))
    assert tiled.shape == whole.shape
    return psnr(tiled, whole)


@pytest.mark.parametrize(
    ("options", "size", "tile"),
    [
        # Every image exceeds tile + 2 x overlap, so tiles are really cut (32 px RRDBNet, 20 px compact).
        ({"variant": "x4plus-anime"}, (100, 90), 40),
        ({"variant": "animevideov3", "scale": 3}, (75, 61), 16),
        ({"variant": "animevideov3", "scale": 2}, (75, 61), 30),
    ],
)
def test_tiled_matches_whole_image(engine, rng, options, size, tile):
    assert _tiled_vs_whole(rng, options, size, tile) >= 40


@pytest.mark.slow
def test_x4plus_at_the_default_cpu_tile_matches_whole_image(engine, rng):
    # 170x140 at the default 128 px tile: four tiles, each cut on at least one side.
    assert _tiled_vs_whole(rng, {"variant": "x4plus"}, (170, 140), None) >= 40


KERNEL_GAP = pytest.mark.xfail(
    condition=kernel_library() is not None,  # elsewhere bf16 runs PyTorch's convolution, which passes
    strict=True,
    reason="x4plus bf16 with the engine's Winograd int16 kernels: 42.9 dB against fp32 on this input "
    "(48.4 dB with PyTorch's bf16 convolutions, see the next test); the kernels' error needs work",
)


@pytest.mark.parametrize(
    ("variant", "precision"),
    [
        pytest.param("x4plus", "bf16", marks=KERNEL_GAP),
        ("x4plus", "fp16"),
        ("x4plus-anime", "bf16"),
        ("x4plus-anime", "fp16"),
    ],
)
def test_rrdbnet_reduced_precision_close_to_fp32(engine, rng, variant, precision):
    img = random_image(rng, 24, 20)
    options = {"variant": variant}
    fp32 = np.asarray(enhance_image(img, "realesrgan", options, precision="fp32", tile_size=0))
    low = np.asarray(enhance_image(img, "realesrgan", options, precision=precision, tile_size=0))
    assert psnr(low, fp32) >= 45


def test_x4plus_bf16_with_pytorch_convolutions_close_to_fp32(engine, rng, monkeypatch):
    import torch

    from enhance.engine.context import RunContext
    from enhance.engine.pipelines import common

    monkeypatch.setattr(common, "accelerate", lambda model: 0)  # PyTorch's bf16 convolutions only
    img = random_image(rng, 24, 20)
    options = {"variant": "x4plus"}
    fp32 = np.asarray(enhance_image(img, "realesrgan", options, precision="fp32", tile_size=0))
    ctx = RunContext(
        device=torch.device("cpu"),
        precision="bf16",
        tile_size=0,
        weights_dir=engine,
        get_network=lambda key, build: build(),  # not the process cache, which may hold the kernels' network
    )
    bf16 = np.asarray(realesrgan.PIPELINE.run(img, options, ctx))
    assert psnr(bf16, fp32) >= 45


@pytest.mark.slow
@pytest.mark.parametrize(
    "precision",
    [
        pytest.param("bf16", marks=[
            pytest.mark.xfail(reason="the kernels' error, as above"),
            # bf16 is only ever picked on a CPU that has it; emulated, this case alone takes ~5 minutes
            pytest.mark.skipif(kernel_library() is None, reason="no bf16 kernels on this CPU"),
        ]),
        "fp16",
    ],
)
def test_rrdbnet_reduced_precision_at_the_cpu_tile(engine, rng, precision):
    # Just over the default CPU tile (128): one full tile plus slivers, as a real job runs.
    img = random_image(rng, 132, 130)
    options = {"variant": "x4plus"}
    assert realesrgan.TILE["rrdbnet"]["cpu"] == 128
    fp32 = np.asarray(enhance_image(img, "realesrgan", options, precision="fp32"))
    low = np.asarray(enhance_image(img, "realesrgan", options, precision=precision))
    assert psnr(low, fp32) >= 45


@pytest.mark.slow
@pytest.mark.parametrize("precision", ["bf16", "fp16"])
def test_compact_reduced_precision_at_a_400_px_tile(engine, rng, precision):
    img = random_image(rng, 404, 402)  # a full 400 px tile plus slivers
    options = {"variant": "animevideov3", "scale": 4}
    fp32 = np.asarray(enhance_image(img, "realesrgan", options, precision="fp32", tile_size=400))
    low = np.asarray(enhance_image(img, "realesrgan", options, precision=precision, tile_size=400))
    assert psnr(low, fp32) >= 45


@pytest.mark.parametrize("precision", ["bf16", "fp16"])
def test_compact_reduced_precision_small(engine, rng, precision):
    img = random_image(rng, 40, 36)
    options = {"variant": "animevideov3", "scale": 2}
    fp32 = np.asarray(enhance_image(img, "realesrgan", options, precision="fp32", tile_size=0))
    low = np.asarray(enhance_image(img, "realesrgan", options, precision=precision, tile_size=0))
    assert psnr(low, fp32) >= 45


@pytest.mark.skipif(kernel_library() is None, reason="the bf16 kernels do not build on this machine")
def test_bf16_kernels_apply_to_x4plus(engine):
    import torch

    from enhance.engine.context import RunContext
    from enhance.engine.kernels.winograd import WinogradConv3x3

    built = {}
    ctx = RunContext(
        device=torch.device("cpu"),
        precision="bf16",
        tile_size=0,
        weights_dir=engine,
        get_network=lambda key, build: built.setdefault(key, build()),
    )
    net = realesrgan.PIPELINE.network("x4plus", 4, ctx)
    swapped = [m for m in net.modules() if isinstance(m, WinogradConv3x3)]
    # every 3x3 conv but conv_first (3 input channels): the trunk, upsampling, HR and last convs
    assert len(swapped) == 23 * 3 * 5 + 5
    compact = realesrgan.PIPELINE.network("animevideov3", 4, ctx)
    assert any(isinstance(m, WinogradConv3x3) for m in compact.modules())


def test_options_defaults_and_output_size():
    assert validate_options("realesrgan", None) == {"variant": "x4plus", "scale": 4}
    assert validate_options("realesrgan", {"variant": "animevideov3", "scale": "3"}) == {
        "variant": "animevideov3",
        "scale": 3,
    }
    assert output_size("realesrgan", 10, 7, {}) == (40, 28)
    assert output_size("realesrgan", 10, 7, {"variant": "animevideov3", "scale": 2}) == (20, 14)
    spec = realesrgan.PIPELINE.spec
    assert spec.option("variant").values == ("x4plus", "x4plus-anime", "animevideov3")
    assert spec.option("scale").values == (2, 3, 4) and spec.option("scale").default == 4


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"variant": "x4plus", "scale": 2}, "x4plus networks only enlarge four times; choose scale 4"),
        ({"variant": "x4plus-anime", "scale": 3}, "x4plus networks only enlarge four times"),
        ({"variant": "x2plus"}, "variant must be one of x4plus, x4plus-anime, animevideov3; got x2plus"),
        ({"variant": "animevideov3", "scale": 8}, "scale must be one of 2, 3, 4; got 8"),
        ({"scale": 2.5}, "scale must be one of 2, 3, 4"),
        ({"scale": True}, "scale must be one of 2, 3, 4"),
        ({"scale": "four"}, "scale must be one of 2, 3, 4"),
        ({"noise": 1}, "Unknown option noise; allowed: variant, scale"),
    ],
)
def test_bad_options_are_refused_with_the_reason(options, message):
    with pytest.raises(ValueError) as caught:
        validate_options("realesrgan", options)
    assert message in str(caught.value)

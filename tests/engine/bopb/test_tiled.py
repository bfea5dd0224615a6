"""BOPB stage 1 over tiles (pipelines/bopb_tiled.py, bopb_streamed.py): the same photo as the
whole-image path, out-of-memory handling, bounded per-tile memory and the refusals' wording."""

from __future__ import annotations

import types

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from PIL import Image

from enhance.engine import enhance_image
from enhance.engine.archs.bopb.vae import VaeGenerator
from enhance.engine.catalog import bopb as catalog_bopb
from enhance.engine.catalog.spec import DeviceInfo
from enhance.engine.context import RunContext
from enhance.engine.errors import DeviceMemoryError
from enhance.engine.pipelines import bopb_streamed, bopb_tiled
from enhance.engine.tiling import forget_learned_tiles, learned_tile

pytestmark = pytest.mark.engine

OOM = torch.cuda.OutOfMemoryError


@pytest.fixture(autouse=True)
def _fresh_learned_tiles():
    forget_learned_tiles()
    yield
    forget_learned_tiles()


def _photo(width, height, seed=0):
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width]
    base = np.stack([x * 255 / (width - 1), y * 255 / (height - 1), (x * 3 + y * 5) % 256], axis=-1)
    pixels = base + rng.normal(0, 20, base.shape)
    pixels[height // 3, :] = 255  # a light line across: something for the scratch detector
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "RGB")


def _psnr(a: Image.Image, b: Image.Image) -> float:
    diff = np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64)
    mse = float(np.mean(diff**2))
    return float("inf") if mse == 0 else 10 * np.log10(255**2 / mse)


def _same_photo(tiled: Image.Image, whole: Image.Image) -> None:
    """>= 40 dB, and no seam: no pixel off by more than a rounding step or two."""
    assert tiled.size == whole.size
    assert _psnr(tiled, whole) >= 40
    worst = np.abs(np.asarray(tiled, dtype=np.int16) - np.asarray(whole, dtype=np.int16)).max()
    assert worst <= 2


class _FailingConv:
    """torch.nn.functional for bopb_streamed, whose conv2d raises CUDA's out-of-memory error for
    an input wider than `wider_than` (`times` times, or always when None)."""

    def __init__(self, wider_than: int, times: int | None = 1):
        self.wider_than = wider_than
        self.times = times
        self.widths: list[int] = []

    def module(self):
        namespace = types.SimpleNamespace(**{name: getattr(F, name) for name in dir(F) if not name.startswith("_")})
        namespace.conv2d = self.conv2d
        return namespace

    def conv2d(self, x, *args, **kwargs):
        self.widths.append(x.shape[-1])
        if x.shape[-1] > self.wider_than and (self.times is None or self.times > 0):
            if self.times is not None:
                self.times -= 1
            raise OOM("CUDA out of memory. Tried to allocate 2.00 GiB")
        return F.conv2d(x, *args, **kwargs)


@pytest.mark.parametrize(
    "options", [{}, {"scratches": True}, {"scratches": True, "hr": True}], ids=["quality", "scratches", "hr"]
)
def test_tiles_give_the_whole_image_result(bopb_engine, options):
    """A 100 x 76 photo in tiles of 32 image pixels (8 at the latent's 1/4): 12+ tiles per pass."""
    img = _photo(100, 76)
    whole = enhance_image(img, "bopb", {**options, "faces": False}, precision="fp32")
    tiled = enhance_image(img, "bopb", {**options, "faces": False}, precision="fp32", tile_size=32)
    _same_photo(tiled, whole)


def test_the_streamed_networks_match_the_whole_networks_exactly():
    torch.manual_seed(3)
    vae = VaeGenerator().eval()
    x = torch.randn(1, 3, 48, 64)
    with torch.inference_mode():
        whole = vae(x)
        streamer = bopb_streamed.Streamer(device=torch.device("cpu"), tile=16, memory_key="test-vae")
        act = streamer.run(list(vae.encoder), streamer.image(x))
        act = streamer.run(list(vae.decoder), act)
        tiled = streamer.settle(act).terms[0].data
    assert torch.allclose(tiled, whole, atol=1e-4)


def test_out_of_memory_halves_the_tile_and_keeps_the_result(bopb_engine, monkeypatch):
    img = _photo(96, 64, seed=2)
    whole = enhance_image(img, "bopb", {"faces": False}, precision="fp32")
    failing = _FailingConv(wider_than=40)  # the first full-resolution tile of 64 (+ 6 context) fails once
    monkeypatch.setattr(bopb_streamed, "F", failing.module())
    tiled = enhance_image(img, "bopb", {"faces": False}, precision="fp32", tile_size=64)
    _same_photo(tiled, whole)
    assert failing.times == 0 and max(failing.widths) > 40
    assert learned_tile("bopb@cpu/fp32") == 32  # remembered, in image pixels, for the next job


def test_out_of_memory_on_the_whole_image_falls_back_to_tiles(bopb_engine, monkeypatch):
    img = _photo(136, 100, seed=4)
    whole = enhance_image(img, "bopb", {"faces": False}, precision="fp32")
    real_encode = VaeGenerator.encode
    failures = []

    def encode_once(self, image):
        if not failures:
            failures.append(image.shape)
            raise OOM("CUDA out of memory")
        return real_encode(self, image)

    monkeypatch.setattr(VaeGenerator, "encode", encode_once)
    tiled = enhance_image(img, "bopb", {"faces": False}, precision="fp32")
    assert failures
    _same_photo(tiled, whole)
    assert learned_tile("bopb@cpu/fp32") == 68  # half the longer side


def test_a_photo_that_never_fits_fails_with_a_sentence(bopb_engine, monkeypatch):
    monkeypatch.setattr(bopb_streamed, "F", _FailingConv(wider_than=0, times=None).module())
    with pytest.raises(DeviceMemoryError) as caught:
        enhance_image(_photo(96, 64), "bopb", {"faces": False}, precision="fp32", tile_size=64)
    assert caught.value.message == catalog_bopb.TOO_LARGE_FOR_DEVICE
    assert "too large for the worker's memory" in str(caught.value)


def test_scratch_attention_that_does_not_fit_names_the_reason(bopb_engine, monkeypatch):
    def no_room(*args, **kwargs):
        raise OOM("CUDA out of memory")

    from enhance.engine.archs.bopb import nonlocal_block

    monkeypatch.setattr(nonlocal_block, "masked_nonlocal_attention", no_room)  # the tiled path calls the block's own
    with pytest.raises(DeviceMemoryError) as caught:
        enhance_image(_photo(96, 64), "bopb", {"scratches": True, "faces": False}, precision="fp32", tile_size=32)
    assert caught.value.message == catalog_bopb.SCRATCHES_TOO_LARGE_FOR_DEVICE
    assert caught.value.params == {"size": "0.0"}


def test_device_memory_per_tile_does_not_grow_with_the_photo(bopb_engine, monkeypatch):
    """The largest tensor any tiled convolution works on is set by the tile, not the photo: the
    device's footprint for a photo 4x the area is the same."""
    largest = {}
    for width, height in ((64, 64), (128, 128)):
        failing = _FailingConv(wider_than=10**6, times=0)
        sizes = []

        def conv2d(x, *args, _sizes=sizes, **kwargs):
            _sizes.append(x.numel())
            return F.conv2d(x, *args, **kwargs)

        module = failing.module()
        module.conv2d = conv2d
        monkeypatch.setattr(bopb_streamed, "F", module)
        enhance_image(_photo(width, height), "bopb", {"faces": False}, precision="fp32", tile_size=32)
        largest[width] = max(sizes)
    assert largest[128] == largest[64]


def _cuda_context(tile_size=None, precision="fp16"):
    return RunContext(
        device=torch.device("cuda"), precision=precision, tile_size=tile_size, weights_dir=None, get_network=None
    )


def test_cuda_tile_comes_from_free_memory():
    ctx = _cuda_context()
    # 8 GiB free: half of it at 1536 bytes per tile pixel -> a 1664 px tile (a multiple of 16)
    tile = bopb_tiled.choose_tile(ctx, 4000, 3000, free_bytes=8 << 30)
    assert tile == 1664
    assert bopb_tiled.choose_tile(ctx, 1600, 1200, free_bytes=8 << 30) == 0  # fits: the whole image
    assert bopb_tiled.choose_tile(ctx, 4000, 3000, free_bytes=1 << 20) == bopb_tiled.MIN_IMAGE_TILE
    assert bopb_tiled.choose_tile(_cuda_context(tile_size=0), 4000, 3000, free_bytes=1 << 20) == 0


def test_cpu_runs_whole_unless_told():
    cpu = RunContext(device=torch.device("cpu"), precision="fp32", tile_size=None, weights_dir=None, get_network=None)
    assert bopb_tiled.choose_tile(cpu, 4000, 3000) == 0


def test_the_scratch_cap_still_applies_on_cuda():
    """The attention is not tiled: the per-device pixel cap from GPU memory still bounds it."""
    t4 = DeviceInfo(kind="cuda", memory_bytes=16 << 30, capability=(7, 5))
    assert catalog_bopb.scratch_limit(t4, {}) == catalog_bopb.gpu_scratch_pixels(t4)


def test_the_worker_shows_the_refusal_in_the_readers_language():
    from django.utils import translation

    from enhance.stored_text import render_stored
    from enhance.worker.runner import user_facing_error

    def shown(error):  # the worker stores a message id; each reader sees it in their language
        return render_stored(user_facing_error(error))

    error = DeviceMemoryError(catalog_bopb.SCRATCHES_TOO_LARGE_FOR_DEVICE, {"size": "24.0"})
    assert "24.0 megapixels" in shown(error)
    with translation.override("ko"):
        assert "24.0메가픽셀" in shown(error)
        assert "메모리" in shown(DeviceMemoryError(catalog_bopb.TOO_LARGE_FOR_DEVICE))


@pytest.mark.slow
@pytest.mark.parametrize("options", [{}, {"scratches": True}], ids=["quality", "scratches"])
def test_tiles_in_fp16_keep_the_fp32_islands(bopb_engine, options):
    """What a GPU runs on a large photo: the tiled path in fp16, whose fp32 islands (the encoder,
    the scratch attention's head and projections) must carry through the layer-by-layer passes
    exactly as in the whole network (archs/bopb/precision.py)."""
    img = _photo(64, 48, seed=5)
    fp32 = enhance_image(img, "bopb", {**options, "faces": False}, precision="fp32")
    fp16 = enhance_image(img, "bopb", {**options, "faces": False}, precision="fp16", tile_size=32)
    assert _psnr(fp16, fp32) >= 45

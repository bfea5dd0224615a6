"""enhance_image(img, "bopb", ...) end to end on weights imported from official-format files."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image

from enhance.engine import Cancelled, WeightsMissingError, available_models, enhance_image, validate_options
from enhance.engine.pipelines import bopb_stages as stages
from enhance.engine.pipelines.bopb import PIPELINE
from enhance.engine.weights import store
from enhance.engine.weights.importers.bopb_layout import BY_CANONICAL, MODEL_DIR

pytestmark = pytest.mark.engine


def _photo(width, height, mode="RGB", seed=0):
    rng = np.random.default_rng(seed)
    # smooth gradient plus noise: something like a picture, not pure noise
    y, x = np.mgrid[0:height, 0:width]
    base = np.stack([x * 255 / max(width - 1, 1), y * 255 / max(height - 1, 1), (x + y) % 256], axis=-1)
    pixels = np.clip(base + rng.normal(0, 20, base.shape), 0, 255).astype(np.uint8)
    img = Image.fromarray(pixels, "RGB")
    if mode == "RGBA":
        img = img.convert("RGBA")
        img.putalpha(Image.fromarray(rng.integers(0, 256, (height, width), dtype=np.uint8), "L"))
    elif mode != "RGB":
        img = img.convert(mode)
    return img


def _net(weights_dir, canonical):
    net = BY_CANONICAL[canonical].build()
    net.load_state_dict(store.load_file(weights_dir, MODEL_DIR, canonical), strict=True)
    return net.eval()


@pytest.mark.parametrize("options", [{}, {"scratches": True}, {"scratches": True, "hr": True}], ids=str)
def test_odd_sizes_come_back_the_same_size(bopb_engine, options):
    img = _photo(41, 37)
    out = enhance_image(img, "bopb", options, precision="fp32")
    assert out.size == (41, 37) and out.mode == "RGB"
    values = np.asarray(out)
    assert values.min() == 0 and values.max() == 255  # stretched over the whole image
    if not options:
        assert np.array_equal(np.asarray(enhance_image(img, "bopb", options, precision="fp32")), values)


def test_quality_matches_the_official_steps(bopb_engine):
    """A multiple-of-4 photo needs no padding: the result is exactly the official computation."""
    img = _photo(36, 28, seed=5)
    got = np.asarray(enhance_image(img, "bopb", {}, precision="fp32"))
    encoder = _net(bopb_engine, "vae_a_quality.safetensors")
    mapping = _net(bopb_engine, "mapping_quality.safetensors")
    decoder = _net(bopb_engine, "vae_b_quality.safetensors")
    x = torch.from_numpy(np.asarray(img, dtype=np.float32).transpose(2, 0, 1) / 255.0)[None]
    x = (x - 0.5) / 0.5
    with torch.no_grad():
        y = (decoder.decode(mapping(encoder.encode(x))) + 1) / 2
    y = (y - y.min()) / max(float(y.max() - y.min()), 1e-5)
    expected = (y * 255 + 0.5).clamp(0, 255).to(torch.uint8)[0].permute(1, 2, 0).numpy()
    assert np.abs(got.astype(int) - expected.astype(int)).max() <= 1


def test_scratches_match_the_official_steps(bopb_engine):
    """A multiple-of-16 photo: detection, whitening and masked mapping as the official scripts do."""
    img = _photo(48, 32, seed=7)
    got = np.asarray(enhance_image(img, "bopb", {"scratches": True}, precision="fp32"))
    detector = _net(bopb_engine, "detection.safetensors")
    encoder = _net(bopb_engine, "vae_a_quality.safetensors")
    mapping = _net(bopb_engine, "mapping_scratch.safetensors")
    decoder = _net(bopb_engine, "vae_b_scratch.safetensors")
    gray = torch.from_numpy(np.asarray(img.convert("L"), dtype=np.float32) / 255.0)[None, None]
    gray = (gray - 0.5) / 0.5
    with torch.no_grad():
        # short side 32 -> 256, long side 48/32*256 = 384
        probability = torch.sigmoid(detector(torch.nn.functional.interpolate(gray, [256, 384], mode="bilinear")))
    mask = (torch.nn.functional.interpolate(probability, [32, 48], mode="nearest") >= 0.4).float()
    assert 0 < mask.mean() < 1  # the seeded detector marks some pixels, not all
    holes = mask[0, 0].numpy()[:, :, None]
    whitened = np.asarray(img).astype(np.float64) * (1 - holes) + holes * 255
    x = torch.from_numpy(whitened.astype(np.uint8).astype(np.float32).transpose(2, 0, 1) / 255.0)[None]
    x = (x - 0.5) / 0.5
    with torch.no_grad():
        y = (decoder.decode(mapping(encoder.encode(x), mask)) + 1) / 2
    y = (y - y.min()) / max(float(y.max() - y.min()), 1e-5)
    expected = (y * 255 + 0.5).clamp(0, 255).to(torch.uint8)[0].permute(1, 2, 0).numpy()
    assert np.abs(got.astype(int) - expected.astype(int)).max() <= 1


def test_grayscale_and_rgba_inputs(bopb_engine):
    gray = enhance_image(_photo(33, 21, "L"), "bopb", {}, precision="fp32")
    assert gray.size == (33, 21) and gray.mode in ("L", "RGB")
    rgba_in = _photo(33, 21, "RGBA")
    rgba = enhance_image(rgba_in, "bopb", {}, precision="fp32")
    assert rgba.size == (33, 21) and rgba.mode == "RGBA"
    assert np.array_equal(np.asarray(rgba.getchannel("A")), np.asarray(rgba_in.getchannel("A")))


def test_progress_is_reported_per_stage_and_cancel_stops(bopb_engine):
    seen, checks = [], []
    enhance_image(
        _photo(20, 20),
        "bopb",
        {"scratches": True},
        precision="fp32",
        progress=lambda f, s: seen.append((f, s)),
        should_cancel=lambda: checks.append(seen[-1][1]) or False,
    )
    fractions = [f for f, _ in seen]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    stages_seen = {s for _, s in seen}
    assert {"bopb: detecting scratches", "bopb: encoding", "bopb: repairing scratches", "bopb: decoding"} <= stages_seen
    # cancellation is checked between stages and from inside the attention as well
    assert checks.count("bopb: repairing scratches") >= 2
    calls = []

    def cancel_after_two():
        calls.append(1)
        return len(calls) > 2

    with pytest.raises(Cancelled):
        enhance_image(_photo(20, 20), "bopb", {}, precision="fp32", should_cancel=cancel_after_two)
    assert len(calls) == 3  # after padding, after encoding, then inside the mapping


def test_options_are_validated():
    # faces not asked for: None, decided by the worker that runs the job (test_restore_faces)
    assert validate_options("bopb", None) == {"scratches": False, "hr": False, "faces": None}
    assert validate_options("bopb", {"scratches": "true", "hr": 0}) == {"scratches": True, "hr": False, "faces": None}
    with pytest.raises(ValueError, match="allowed: scratches, hr"):
        validate_options("bopb", {"scratch": True})
    with pytest.raises(ValueError, match="scratches must be true or false"):
        validate_options("bopb", {"scratches": "maybe"})
    with pytest.raises(ValueError, match="hr must be true or false"):
        validate_options("bopb", {"hr": 2})


def test_without_weights_the_model_is_unavailable_with_the_fix(tmp_path, use_weights_dir):
    use_weights_dir(tmp_path)
    info = {m.id: m for m in available_models(tmp_path)}["bopb"]
    assert not info.available
    assert "python manage.py import_weights bopb PATH" in info.reason
    assert "python manage.py fetch_weights bopb" in info.reason
    assert [o.name for o in info.options] == ["scratches", "hr", "faces"]
    with pytest.raises(WeightsMissingError, match="fetch_weights bopb"):
        enhance_image(_photo(16, 16), "bopb", {})


def test_padding_never_resamples_the_photo():
    # padding to the official multiples keeps every original pixel where it was
    for height, width, multiple in ((37, 41, 4), (37, 41, 16), (5, 3, 16)):
        pad_b, pad_r = PIPELINE._pads(height, width, multiple)
        assert (height + pad_b) % multiple == 0 and (width + pad_r) % multiple == 0
        img = torch.randint(0, 256, (1, 3, height, width), dtype=torch.uint8)
        assert torch.equal(stages.reflect_pad(img, pad_b, pad_r)[:, :, :height, :width], img)


def test_extreme_strips_are_refused_for_scratch_repair(bopb_engine):
    with pytest.raises(ValueError, match="at most 16 times longer"):
        enhance_image(_photo(400, 20), "bopb", {"scratches": True})

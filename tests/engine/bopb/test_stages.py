"""The official stage-1 pre- and post-processing steps."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from PIL import Image
from torch import nn

from enhance.engine.pipelines import bopb_stages as stages

pytestmark = pytest.mark.engine


@pytest.mark.parametrize("shape", [(1, 1), (1, 5), (3, 2), (7, 9), (37, 41)])
@pytest.mark.parametrize("multiple", [4, 16])
def test_reflect_pad_reaches_size_and_keeps_the_image(shape, multiple):
    height, width = shape
    image = torch.arange(height * width * 3, dtype=torch.float32).reshape(1, 3, height, width)
    target_h, target_w = stages.padded_size(height, width, multiple)
    assert target_h % multiple == 0 and target_w % multiple == 0
    assert min(target_h, target_w) >= stages.MIN_CANVAS
    padded = stages.reflect_pad(image, target_h - height, target_w - width)
    assert padded.shape == (1, 3, target_h, target_w)
    assert torch.equal(padded[:, :, :height, :width], image)


def test_reflect_pad_mirrors_without_repeating_the_edge():
    row = torch.tensor([[[[1.0, 2.0, 3.0]]]])
    assert stages.reflect_pad(row, 0, 2).flatten().tolist() == [1, 2, 3, 2, 1]
    assert stages.reflect_pad(row, 0, 5).flatten().tolist() == [1, 2, 3, 2, 1, 2, 3, 2]
    assert stages.reflect_pad(row.to(torch.uint8), 0, 2).dtype == torch.uint8


@pytest.mark.parametrize(
    ("size", "expected"),
    [((256, 256), (256, 256)), ((400, 600), (256, 384)), ((600, 400), (384, 256)), ((48, 1000), (256, 5328))],
)
def test_detection_size_is_short_side_256_in_multiples_of_16(size, expected):
    assert stages.detection_size(*size) == expected


def test_normalise_maps_to_minus_one_one():
    values = torch.tensor([0, 255, 128], dtype=torch.uint8).view(1, 1, 1, 3)
    got = stages.normalise(values).flatten()
    assert got[0] == -1 and got[1] == 1 and abs(got[2].item() - (128 / 255 - 0.5) / 0.5) < 1e-7


def test_stretch_is_min_max_over_the_whole_tensor():
    out = torch.tensor([-0.5, 0.0, 0.5, 0.25]).view(1, 1, 2, 2).repeat(1, 3, 1, 1)
    out[:, 1] = 0.0
    got = stages.stretch_to_uint8(out)
    # (x + 1) / 2 spans 0.25 .. 0.75; min-max over all channels; x255 + 0.5, truncated
    expected = ((((out + 1) / 2) - 0.25) / 0.5 * 255 + 0.5).floor().to(torch.uint8)
    assert torch.equal(got, expected)
    assert got.min() == 0 and got.max() == 255
    flat = stages.stretch_to_uint8(torch.full((1, 3, 2, 2), 0.3))
    assert flat.max() == 0  # a constant output stays 0, as the official writer's 1e-5 guard gives


def test_dilate_equals_three_3x3_iterations():
    gen = torch.Generator().manual_seed(0)
    mask = (torch.rand(1, 1, 23, 19, generator=gen) > 0.97).float()
    expected = mask
    for _ in range(3):
        expected = F.max_pool2d(expected, 3, stride=1, padding=1)
    assert torch.equal(stages.dilate(mask, 3), expected)
    assert torch.equal(stages.dilate(mask, 0), mask)


def test_whiten_sets_masked_pixels_to_255():
    image = torch.full((1, 3, 4, 4), 7, dtype=torch.uint8)
    mask = torch.zeros(1, 1, 4, 4)
    mask[0, 0, 1, 2] = 1
    out = stages.whiten_scratches(image, mask)
    assert out[0, :, 1, 2].tolist() == [255, 255, 255]
    assert int((out == 7).sum()) == 3 * 15


class _ConstantDetector(nn.Module):
    """Stands in for the UNet: returns fixed logits and records the input it saw."""

    def __init__(self, logit: float, stripe: bool = False):
        super().__init__()
        self.logit = logit
        self.anchor = nn.Parameter(torch.zeros(()))  # gives the pipeline a device and dtype to read
        self.stripe = stripe
        self.seen = None

    def forward(self, x):
        self.seen = x
        out = torch.full_like(x, self.logit)
        if self.stripe:
            out[:, :, :, : x.shape[3] // 2] = -10.0
        return out


def _gray(height, width):
    return torch.from_numpy(np.random.default_rng(0).integers(0, 256, (1, 1, height, width), dtype=np.uint8))


def test_detection_threshold_and_nearest_upscale():
    detector = _ConstantDetector(10.0, stripe=True)
    mask = stages.detect_scratches(detector, _gray(48, 80))
    assert detector.seen.shape == (1, 1, 256, 432)  # short side 256; 80/48*256 = 426.7 -> 432
    assert mask.shape == (1, 1, 48, 80)
    assert set(mask.unique().tolist()) == {0.0, 1.0}
    # sigmoid(logit) >= 0.4 <=> logit >= log(0.4/0.6)
    assert stages.detect_scratches(_ConstantDetector(-0.40, stripe=True), _gray(32, 32)).max() == 1
    assert stages.detect_scratches(_ConstantDetector(-0.42, stripe=True), _gray(32, 32)).max() == 0


def test_mask_of_scratches_everywhere_becomes_no_scratch_like_the_official_writer():
    assert stages.detect_scratches(_ConstantDetector(10.0), _gray(32, 48)).max() == 0


def test_image_tensor_round_trip():
    array = np.random.default_rng(1).integers(0, 256, (5, 7, 3), dtype=np.uint8)
    t = stages.image_to_uint8(Image.fromarray(array))
    assert t.shape == (1, 3, 5, 7)
    assert np.array_equal(np.asarray(stages.uint8_to_image(t)), array)

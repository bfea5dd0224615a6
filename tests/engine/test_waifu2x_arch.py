"""waifu2x building blocks whose fast paths must agree with the plain formula."""

from __future__ import annotations

import pytest
import torch

from enhance.engine.archs.waifu2x import SEBlock, _spatial_mean

pytestmark = pytest.mark.engine


@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16])
@pytest.mark.parametrize("batch", [1, 3])
def test_spatial_mean_of_a_channels_last_map_matches_mean(dtype, batch):
    torch.manual_seed(0)
    x = (torch.randn(batch, 64, 37, 23) + 0.5).to(dtype)
    expected = x.double().mean(dim=(2, 3))
    fast = _spatial_mean(x.contiguous(memory_format=torch.channels_last))
    plain = _spatial_mean(x)  # NCHW: the plain mean()
    tolerance = 1e-5 if dtype == torch.float32 else 1e-2  # bf16 keeps 8 significant bits
    assert fast.shape == plain.shape == (batch, 64)
    assert torch.allclose(fast.double(), expected, rtol=tolerance, atol=tolerance)
    assert torch.allclose(plain.double(), expected, rtol=tolerance, atol=tolerance)


def test_se_block_is_the_same_for_both_memory_formats():
    torch.manual_seed(1)
    block = SEBlock(64)
    x = torch.randn(2, 64, 9, 11)
    with torch.inference_mode():
        nchw = block(x)
        last = block(x.contiguous(memory_format=torch.channels_last))
    assert torch.allclose(nchw, last, atol=1e-6)

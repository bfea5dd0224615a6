"""The SDPA form of the masked non-local attention (used on CUDA) against the chunked form (used
on the CPU) and the official formula, run on the CPU: SDPA has CPU kernels too."""

from __future__ import annotations

import math

import pytest
import torch

from enhance.engine.archs.bopb.attention import masked_nonlocal_attention
from enhance.engine.archs.bopb.nonlocal_block import MaskedNonLocalBlock
from tests.engine.bopb.test_attention import _inputs, official_attention

pytestmark = pytest.mark.engine


def _psnr(a: torch.Tensor, b: torch.Tensor) -> float:
    peak = float(b.abs().max())
    mse = float(((a.double() - b.double()) ** 2).mean())
    return math.inf if mse == 0 else 10 * math.log10(peak * peak / mse)


@pytest.mark.parametrize("cosine", [False, True])
@pytest.mark.parametrize("chunk_elements", [50, 1 << 20])
def test_sdpa_matches_chunked_and_official(cosine, chunk_elements):
    theta, phi, g, gen = _inputs(n=61, c=16, batch=2, scale=2.0)
    valid = (torch.rand(2, 61, generator=gen) > 0.4).float()
    chunked = masked_nonlocal_attention(theta, phi, g, valid, cosine=cosine, method="chunked")
    sdpa = masked_nonlocal_attention(
        theta, phi, g, valid, cosine=cosine, method="sdpa", chunk_elements=chunk_elements
    )
    assert _psnr(sdpa, chunked) >= 45
    if not cosine:
        assert _psnr(sdpa, official_attention(theta, phi, g, valid)) >= 45


def test_sdpa_with_no_valid_key_gives_zeros_like_the_official_code():
    theta, phi, g, _gen = _inputs(n=20, c=8, batch=2)
    valid = torch.ones(2, 20)
    valid[1] = 0
    sdpa = masked_nonlocal_attention(theta, phi, g, valid, method="sdpa")
    official = official_attention(theta, phi, g, valid)
    assert torch.equal(sdpa[1], torch.zeros_like(sdpa[1])) and torch.equal(official[1], torch.zeros_like(official[1]))
    assert _psnr(sdpa[0], official[0]) >= 45


def test_sdpa_reports_progress_per_block_and_refuses_other_settings():
    theta, phi, g, _gen = _inputs(n=30, c=8, batch=1)
    valid = torch.ones(1, 30)
    seen = []
    record = lambda done, total: seen.append((done, total))  # noqa: E731
    masked_nonlocal_attention(theta, phi, g, valid, method="sdpa", chunk_elements=300, on_chunk=record)
    assert seen == [(10, 30), (20, 30), (30, 30)]
    with pytest.raises(ValueError, match="use_self"):
        masked_nonlocal_attention(theta, phi, g, valid, method="sdpa", use_self=True)
    with pytest.raises(ValueError, match="unknown attention method"):
        masked_nonlocal_attention(theta, phi, g, valid, method="flash")


def test_block_with_sdpa_matches_the_chunked_block():
    torch.manual_seed(3)
    block = MaskedNonLocalBlock(32, 32, n_res_blocks=1).eval()
    x = torch.randn(1, 32, 12, 10)
    mask = torch.zeros(1, 1, 48, 40)
    mask[:, :, 10:30, 5:20] = 1
    with torch.inference_mode():
        chunked = block(x, mask)
        block.attention_method = "sdpa"
        sdpa = block(x, mask)
    assert _psnr(sdpa, chunked) >= 45

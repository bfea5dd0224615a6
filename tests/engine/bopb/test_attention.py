"""The memory-bounded attentions equal the official formulas (written out directly here, N x N
matrices and all) on small inputs, including masks that are all scratch and all clean."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from torch.utils._python_dispatch import TorchDispatchMode

from enhance.engine.archs.bopb.attention import best_matching_keys, masked_nonlocal_attention
from enhance.engine.archs.bopb.nonlocal_block import MaskedNonLocalBlock
from enhance.engine.archs.bopb.patch_attention import PatchAttention

pytestmark = pytest.mark.engine


def official_attention(theta, phi, g, valid, *, renorm=True, temperature=1.0, use_self=False, cosine=False):
    """The official NonLocalBlock2D_with_mask_Res attention: full N x N, repeated mask."""
    if cosine:
        theta = F.normalize(theta, dim=2)
        phi = F.normalize(phi, dim=1)
    f = torch.matmul(theta, phi) / temperature
    f_div_c = F.softmax(f, dim=2)
    n = theta.shape[1]
    mask_expand = valid.view(valid.shape[0], 1, -1).repeat(1, n, 1)
    if use_self:
        mask_expand[:, range(n), range(n)] = 1.0
    f_div_c = mask_expand * f_div_c
    if renorm:
        f_div_c = F.normalize(f_div_c, p=1, dim=2)
    return torch.matmul(f_div_c, g)


def official_block(block: MaskedNonLocalBlock, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """The official block's forward, step by step, with the official mask arithmetic."""
    b, _, h, w = x.shape
    c = block.inter_channels
    g_x = block.g(x).view(b, c, -1).permute(0, 2, 1)
    theta_x = block.theta(x).view(b, c, -1).permute(0, 2, 1)
    phi_x = block.phi(x).view(b, c, -1)
    tmp = 1 - mask
    m = F.interpolate(mask, (h, w), mode="bilinear")
    m[m > 0] = 1.0
    m = 1 - m
    tmp = F.interpolate(tmp, (h, w))
    m *= tmp
    y = official_attention(theta_x, phi_x, g_x, m.view(b, -1), renorm=True)
    y = y.permute(0, 2, 1).contiguous().view(b, c, h, w)
    w_y = block.res_block(block.W(y))
    full_mask = m.repeat(1, c, 1, 1)
    return full_mask * x + (1 - full_mask) * w_y


def _inputs(n=37, c=8, batch=2, seed=0, scale=3.0):
    gen = torch.Generator().manual_seed(seed)
    theta = torch.randn(batch, n, c, generator=gen) * scale
    phi = torch.randn(batch, c, n, generator=gen) * scale
    g = torch.randn(batch, n, c, generator=gen)
    return theta, phi, g, gen


@pytest.mark.parametrize("kind", ["random", "all_valid", "none_valid", "one_valid"])
@pytest.mark.parametrize(
    "variant",
    [
        {},
        {"renorm": False},
        {"use_self": True},
        {"cosine": True, "temperature": 0.5},
    ],
)
def test_chunked_attention_equals_official_formula(kind, variant):
    theta, phi, g, gen = _inputs()
    n = theta.shape[1]
    if kind == "random":
        valid = (torch.rand(2, n, generator=gen) > 0.3).float()
    elif kind == "all_valid":
        valid = torch.ones(2, n)
    elif kind == "none_valid":
        valid = torch.zeros(2, n)
    else:
        valid = torch.zeros(2, n)
        valid[:, 5] = 1
    expected = official_attention(theta, phi, g, valid, **variant)
    mine = {
        "renormalize": variant.get("renorm", True),
        "temperature": variant.get("temperature", 1.0),
        "use_self": variant.get("use_self", False),
        "cosine": variant.get("cosine", False),
    }
    for chunk in (1, 7 * n, 10**9):  # one row per block, a few rows, everything at once
        got = masked_nonlocal_attention(theta, phi, g, valid, chunk_elements=chunk, **mine)
        assert (got - expected).abs().max().item() < 1e-4
    if kind == "none_valid" and not variant.get("use_self"):
        assert got.abs().max().item() == 0.0  # no key to attend to: the official result is exactly 0


def _scratch_mask(kind: str, height: int, width: int) -> torch.Tensor:
    mask = torch.zeros(1, 1, height, width)
    if kind == "all_one":
        mask.fill_(1)
    elif kind == "lines":
        mask[:, :, 9:12, :] = 1
        mask[:, :, :, 21:23] = 1
        mask[:, :, 30:33, 3:17] = 1
    return mask


@pytest.mark.parametrize("kind", ["lines", "all_zero", "all_one"])
def test_masked_block_equals_official_block(kind):
    torch.manual_seed(3)
    block = MaskedNonLocalBlock(16, 16).eval()
    with torch.no_grad():
        for conv in (block.W, block.theta, block.phi):  # the official init zeroes W; give it weight
            conv.weight.normal_(0, 0.3)
    x = torch.randn(1, 16, 10, 9)
    mask = _scratch_mask(kind, 40, 36)
    block.chunk_elements = 20  # force many query blocks
    with torch.no_grad():
        got = block(x, mask)
        expected = official_block(block, x, mask)
    assert (got - expected).abs().max().item() < 1e-4


class _LargestAllocation(TorchDispatchMode):
    def __init__(self):
        super().__init__()
        self.largest = 0

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        for t in out if isinstance(out, tuple | list) else (out,):
            if isinstance(t, torch.Tensor):
                self.largest = max(self.largest, t.numel())
        return out


def test_attention_never_materialises_n_by_n():
    n, c = 64 * 48, 16
    theta, phi, g, gen = _inputs(n=n, c=c, batch=1)
    valid = (torch.rand(1, n, generator=gen) > 0.1).float()
    with _LargestAllocation() as probe:
        masked_nonlocal_attention(theta, phi, g, valid, chunk_elements=1 << 16)
    assert probe.largest <= max(1 << 16, n * c)
    assert probe.largest < n * n // 16


def _official_patch_attention(module: PatchAttention, z, mask):
    """The official Patch_Attention_4.inference_forward, written out."""
    x = module.res_block(z)
    _, _, h, w = x.shape
    p = module.patch_size
    mask = F.interpolate(mask, (h, w), mode="bilinear")
    mask[mask > 0] = 1.0
    mask_unfold = F.unfold(mask, kernel_size=(p, p), padding=0, stride=p)
    non_mask_region = (torch.mean(mask_unfold, dim=1, keepdim=True) > 0.6).float()[0, 0, :]
    mask_index = torch.nonzero(non_mask_region, as_tuple=True)[0]
    if len(mask_index) == 0:
        composed_fold = x
    else:
        unmask_index = torch.nonzero(non_mask_region != 1, as_tuple=True)[0]
        x_unfold = F.unfold(x, kernel_size=(p, p), padding=0, stride=p)
        query = torch.index_select(x_unfold, 2, mask_index).permute(0, 2, 1)
        key = torch.index_select(x_unfold, 2, unmask_index)
        corr = torch.bmm(F.normalize(query, dim=2), F.normalize(key, dim=1))
        _, max_arg = torch.max(F.softmax(corr, dim=2), dim=2)
        composed = torch.gather(key, 2, max_arg.view(1, 1, -1).expand(1, key.shape[1], -1))
        x_unfold[:, :, mask_index] = composed
        composed_fold = F.fold(x_unfold, output_size=(h, w), kernel_size=(p, p), padding=0, stride=p)
    return module.F_Combine(torch.cat((z, composed_fold, mask), dim=1))


@pytest.mark.parametrize("patch", [2, 4, 8])
@pytest.mark.parametrize("kind", ["lines", "all_zero"])
def test_patch_attention_equals_official(patch, kind):
    torch.manual_seed(5)
    module = PatchAttention(8, patch).eval()
    module.F_Combine = torch.nn.Conv2d(17, 8, 3, 1, 1)  # the official fixes 1025 in; same arithmetic at 8 channels
    z = torch.randn(1, 8, 10, 9)
    mask = _scratch_mask(kind, 40, 36)
    module.chunk_elements = 3  # a few queries per block
    with torch.no_grad():
        got = module(z, mask)
        expected = _official_patch_attention(module, z, mask)
    assert (got - expected).abs().max().item() < 1e-4


def test_best_matching_keys_is_chunk_invariant():
    gen = torch.Generator().manual_seed(9)
    queries, keys = torch.randn(50, 12, generator=gen), torch.randn(12, 70, generator=gen)
    whole = best_matching_keys(queries, keys, chunk_elements=10**9)
    assert torch.equal(best_matching_keys(queries, keys, chunk_elements=1), whole)
    expected = torch.argmax(F.normalize(queries, dim=1) @ F.normalize(keys, dim=0), dim=1)
    assert torch.equal(whole, expected)

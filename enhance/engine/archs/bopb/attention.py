"""Memory-bounded forms of the two attentions in BOPB stage 1.

The official masked non-local block materialises an N x N correlation matrix plus an N x N
repeated key mask (N = H*W/16: about 20 GB for a 1 MP photo). Each query row of that formula only
depends on its own row, so we evaluate the very same formula a block of query rows at a time:

    w_ij = v_j * softmax_j(f_i.) ;  w_i. /= max(sum_j w_ij, 1e-12)   (L1 renormalisation)

which equals a softmax over the valid keys only, and gives exactly the official result in the
corner cases too: a row without valid keys (mask everywhere) comes out as all-zero weights, so the
attended feature is 0 there, like the official code's. Peak extra memory is one block of
`chunk_elements` floats instead of N x N.

On CUDA the same softmax over valid keys runs through scaled_dot_product_attention with a boolean
key mask (method "sdpa"): with L1 renormalisation the softmax's own denominator cancels, so the
official weights are exactly a softmax restricted to the valid keys. Queries still go a block at a
time, so memory stays bounded whichever SDPA kernel PyTorch picks (with 512-channel heads that is
often the math kernel, which builds the block's logits). Logits are computed in fp32 on both paths
(an fp32 island whatever the network's precision).
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F

# 16 M floats (64 MB) per working block: large enough for efficient matmuls, small at any image size.
DEFAULT_CHUNK_ELEMENTS = 1 << 24
# On a GPU larger blocks keep the device busy: 256 M logits (1 GB in fp32, about 3 GB of peak
# working memory with the softmax's copies) per SDPA call.
CUDA_CHUNK_ELEMENTS = 1 << 28
METHODS = ("auto", "chunked", "sdpa")

ChunkCallback = Callable[[int, int], None]


def _rows_per_chunk(n_keys: int, chunk_elements: int) -> int:
    return max(1, chunk_elements // max(1, n_keys))


def masked_nonlocal_attention(
    theta: torch.Tensor,
    phi: torch.Tensor,
    g: torch.Tensor,
    key_valid: torch.Tensor,
    *,
    renormalize: bool = True,
    temperature: float = 1.0,
    use_self: bool = False,
    cosine: bool = False,
    chunk_elements: int = DEFAULT_CHUNK_ELEMENTS,
    on_chunk: ChunkCallback | None = None,
    method: str = "auto",
) -> torch.Tensor:
    """Official masked non-local attention without the N x N matrices.

    theta: (B, N, C) queries, phi: (B, C, N) keys, g: (B, N, C) values, key_valid: (B, N) with 1 for
    keys that may be attended to. Returns (B, N, C) in float32. `on_chunk(done_rows, total_rows)`
    is called after every block (progress and cancellation hook). method: "chunked" (explicit
    softmax per block), "sdpa" (scaled_dot_product_attention per block; only the official test
    settings: renormalize on, use_self off), "auto" (sdpa on CUDA where it applies).
    """
    if method not in METHODS:
        raise ValueError(f"unknown attention method {method!r}; use one of {', '.join(METHODS)}")
    sdpa_applies = renormalize and not use_self
    if method == "sdpa" and not sdpa_applies:
        raise ValueError("the sdpa attention needs renormalize=True and use_self=False")
    if method == "sdpa" or (method == "auto" and sdpa_applies and theta.device.type == "cuda"):
        return _sdpa_attention(theta, phi, g, key_valid, temperature, cosine, chunk_elements, on_chunk)
    theta = theta.float()
    phi = phi.float()
    g = g.float()
    key_valid = key_valid.float()
    if cosine:
        theta = F.normalize(theta, dim=2)
        phi = F.normalize(phi, dim=1)
    batch, n_queries, _ = theta.shape
    out = torch.empty(batch, n_queries, g.shape[2], dtype=torch.float32, device=g.device)
    rows = _rows_per_chunk(phi.shape[2], chunk_elements)
    for b in range(batch):
        valid = key_valid[b].unsqueeze(0)
        for start in range(0, n_queries, rows):
            stop = min(start + rows, n_queries)
            weights = torch.matmul(theta[b, start:stop], phi[b])
            if temperature != 1.0:
                weights.div_(temperature)
            weights = torch.softmax(weights, dim=1)
            diagonal = None
            if use_self:
                # the official code forces the mask's diagonal to 1: a query may always see itself
                idx = torch.arange(start, stop, device=weights.device)
                diagonal = weights[idx - start, idx].clone()
            weights.mul_(valid)
            if diagonal is not None:
                weights[idx - start, idx] = diagonal
            if renormalize:
                # F.normalize(p=1): divide by max(L1 norm, 1e-12); weights are non-negative
                weights.div_(weights.sum(dim=1, keepdim=True).clamp_min_(1e-12))
            torch.matmul(weights, g[b], out=out[b, start:stop])
            del weights
            if on_chunk is not None:
                on_chunk(b * n_queries + stop, batch * n_queries)
    return out


def _sdpa_attention(theta, phi, g, key_valid, temperature, cosine, chunk_elements, on_chunk) -> torch.Tensor:
    theta = theta.float()
    keys = phi.float().transpose(1, 2)  # (B, N, C)
    g = g.float()
    if cosine:
        theta = F.normalize(theta, dim=2)
        keys = F.normalize(keys, dim=2)
    batch, n_queries, _ = theta.shape
    out = torch.zeros(batch, n_queries, g.shape[2], dtype=torch.float32, device=g.device)
    rows = _rows_per_chunk(keys.shape[1], chunk_elements)
    for b in range(batch):
        valid = key_valid[b] > 0
        if not bool(valid.any()):
            # no clean key anywhere: the official weights are all zero, so is the attended feature
            if on_chunk is not None:
                on_chunk((b + 1) * n_queries, batch * n_queries)
            continue
        mask = valid.view(1, -1)
        for start in range(0, n_queries, rows):
            stop = min(start + rows, n_queries)
            out[b, start:stop] = F.scaled_dot_product_attention(
                theta[b, start:stop].unsqueeze(0),
                keys[b].unsqueeze(0),
                g[b].unsqueeze(0),
                attn_mask=mask,
                scale=1.0 / temperature,
            )[0]
            if on_chunk is not None:
                on_chunk(b * n_queries + stop, batch * n_queries)
    return out


def best_matching_keys(
    queries: torch.Tensor,
    keys: torch.Tensor,
    *,
    chunk_elements: int = DEFAULT_CHUNK_ELEMENTS,
    on_chunk: ChunkCallback | None = None,
) -> torch.Tensor:
    """For each query the index of the most similar key by cosine similarity (softmax, then max, as
    the official patch attention does), computed a block of queries at a time.

    queries: (Q, D), keys: (D, K), both unnormalised. Returns (Q,) int64.
    """
    queries = F.normalize(queries.float(), dim=1)
    keys = F.normalize(keys.float(), dim=0)
    n_queries = queries.shape[0]
    best = torch.empty(n_queries, dtype=torch.int64, device=queries.device)
    rows = _rows_per_chunk(keys.shape[1], chunk_elements)
    for start in range(0, n_queries, rows):
        stop = min(start + rows, n_queries)
        correlation = torch.softmax(torch.matmul(queries[start:stop], keys), dim=1)
        best[start:stop] = torch.max(correlation, dim=1).indices
        del correlation
        if on_chunk is not None:
            on_chunk(stop, n_queries)
    return best

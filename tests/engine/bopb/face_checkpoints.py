"""Test fixtures: BOPB face-generator checkpoints in the official layout and file format (plain
torch.save'd state dicts of the official SPADEGenerator: spectral-norm convs as weight_orig /
weight_u / weight_v, batch-norm running statistics), generated from a seed and the fact sheet.

The same function wrote the checkpoints the official code was run with to make the expected
outputs under tests/engine/bopb/fixtures/faces/ (see make_face_fixtures in that folder's README),
so the tests rebuild exactly those weights."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import torch

from enhance.engine.archs.bopb.face_generator import FaceGenerator
from enhance.engine.weights.importers.bopb_faces import reference_tensors
from enhance.engine.weights.importers.bopb_faces_layout import WEIGHT_FILES

ROOT = "checkpoints"  # the official archive unpacks to checkpoints/<setting>/latest_net_G.pth


def _shapes(ngf: int) -> dict[str, tuple[tuple[int, ...], str]]:
    """The fact sheet's tensors (ngf=64), or the official layout of the same network at another
    width (small, fast test networks): spectral-norm convs as weight_orig/_u/_v, batch counters."""
    if ngf == 64:
        return reference_tensors()[WEIGHT_FILES[0].official]
    with torch.device("meta"):
        net = FaceGenerator(ngf)
    shapes = {}
    for name, tensor in net.state_dict().items():
        shape = tuple(tensor.shape)
        if re.search(r"\.conv_[01s]\.weight$", name):
            stem = name[: -len(".weight")]
            shapes[f"{stem}.weight_orig"] = (shape, "float32")
            shapes[f"{stem}.weight_u"] = ((shape[0],), "float32")
            shapes[f"{stem}.weight_v"] = ((shape[1] * shape[2] * shape[3],), "float32")
        else:
            shapes[name] = (shape, "float32")
            if name.endswith(".running_var"):
                shapes[name.replace(".running_var", ".num_batches_tracked")] = ((), "int64")
    return shapes


def seeded_face_state(seed: int, ngf: int = 64, power_iterations: int = 30) -> dict[str, torch.Tensor]:
    """A deterministic official-layout state dict with weights scaled so activations stay in a
    useful range: convs ~ N(0, 1/fan_in), u and v the converged power-iteration vectors (so sigma
    is the true largest singular value, as after training), running statistics near 0 / 1.
    power_iterations=0 leaves u, v random (fast; for import tests that never run the network)."""
    gen = torch.Generator().manual_seed(seed)
    state: dict[str, torch.Tensor] = {}
    names = _shapes(ngf)
    for name, (shape, _dtype) in sorted(names.items()):
        if name.endswith((".weight_u", ".weight_v")):
            continue
        if name.endswith(".num_batches_tracked"):
            state[name] = torch.tensor(1000, dtype=torch.int64)
        elif name.endswith(".running_mean"):
            state[name] = 0.1 * torch.randn(shape, generator=gen)
        elif name.endswith(".running_var"):
            state[name] = 0.5 + torch.rand(shape, generator=gen)
        elif name.endswith(".bias"):
            state[name] = 0.05 * torch.randn(shape, generator=gen)
        else:
            fan_in = shape[1] * shape[2] * shape[3]
            scale = 0.5 if ".mlp_gamma." in name or ".mlp_beta." in name else 1.0
            state[name] = scale * torch.randn(shape, generator=gen) / fan_in**0.5
    for name in [n for n in state if n.endswith(".weight_orig")]:
        stem = name[: -len(".weight_orig")]
        matrix = state[name].reshape(state[name].shape[0], -1).double()
        v = torch.randn(matrix.shape[1], generator=gen, dtype=torch.float64)
        u = torch.nn.functional.normalize(torch.randn(matrix.shape[0], generator=gen, dtype=torch.float64), dim=0)
        v = torch.nn.functional.normalize(v, dim=0)
        for _ in range(power_iterations):
            u = torch.nn.functional.normalize(matrix @ v, dim=0)
            v = torch.nn.functional.normalize(matrix.T @ u, dim=0)
        state[f"{stem}.weight_u"] = u.float()
        state[f"{stem}.weight_v"] = v.float()
    assert {n: (tuple(t.shape), str(t.dtype).removeprefix("torch.")) for n, t in state.items()} == names
    return state


def write_official_face_folder(folder: Path, states: dict[str, dict[str, torch.Tensor]]) -> Path:
    """states: official relative path (Setting_9_epoch_100/latest_net_G.pth, ...) -> state dict."""
    for official, state in states.items():
        target = folder / ROOT / official
        target.parent.mkdir(parents=True, exist_ok=True)
        torch.save(state, target)
    return folder


def zip_folder(folder: Path, archive: Path) -> Path:
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_STORED) as zf:
        for file in sorted(folder.rglob("*")):
            if file.is_file():
                zf.write(file, file.relative_to(folder).as_posix())
    return archive

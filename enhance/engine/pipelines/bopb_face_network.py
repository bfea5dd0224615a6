"""BOPB stage 3 as a tensor step: aligned faces in, enhanced faces out, through the face
generator loaded from WEIGHTS_DIR/bopb_faces (256 faces, or 512 in HR mode).

As the official test_face.py: RGB / 255, normalised to [-1, 1], generator, then written as
save_image((g + 1) / 2) does (x 255 + 0.5, clamp, truncate to uint8: no min-max stretch here).
Faces go through in batches of at most FACE_BATCH so memory stays bounded whatever their number.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from enhance.engine.archs.bopb.face_generator import FaceGenerator
from enhance.engine.context import RunContext
from enhance.engine.errors import WeightsMissingError
from enhance.engine.weights import store
from enhance.engine.weights.importers.bopb_faces_layout import IMPORT_COMMAND, MODEL_DIR, weight_file

FACE_BATCH, HR_FACE_BATCH = 4, 1  # the official batch sizes (run.py: --batchSize 4; HR: 1)


def face_network(ctx: RunContext, hr: bool) -> FaceGenerator:
    spec = weight_file(hr)

    def build() -> FaceGenerator:
        try:
            state = store.load_file(ctx.weights_dir, MODEL_DIR, spec.canonical)
        except FileNotFoundError as exc:
            raise WeightsMissingError("bopb", IMPORT_COMMAND, f"{MODEL_DIR}/{spec.canonical} is missing") from exc
        with torch.device("meta"):  # every tensor comes from the file
            net = FaceGenerator()
        net.load_state_dict(state, strict=True, assign=True)
        return net.eval().requires_grad_(False).to(device=ctx.device, dtype=ctx.dtype)

    return ctx.network(f"bopb_faces/{spec.canonical}/{ctx.dtype}", build)


def enhance_faces(
    net: torch.nn.Module,
    faces: torch.Tensor,
    ctx: RunContext,
    on_face: Callable[[int, int], None] | None = None,
) -> torch.Tensor:
    """(N, 3, S, S) uint8 aligned faces -> (N, 3, S, S) uint8 enhanced faces (on the CPU)."""
    size = faces.shape[-1]
    batch = FACE_BATCH if size <= 256 else HR_FACE_BATCH
    out = torch.empty_like(faces, device="cpu")
    for start in range(0, faces.shape[0], batch):
        chunk = faces[start : start + batch].to(device=ctx.device)
        x = ((chunk.float() / 255.0 - 0.5) / 0.5).to(ctx.dtype)
        generated = net(x).float()
        out[start : start + batch] = ((generated + 1) / 2).mul(255).add_(0.5).clamp_(0, 255).to(torch.uint8).cpu()
        del chunk, x, generated
        if on_face is not None:
            on_face(min(start + batch, faces.shape[0]), faces.shape[0])
    return out

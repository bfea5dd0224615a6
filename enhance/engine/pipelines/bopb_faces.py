"""BOPB stages 2-4 on a stage-1 result: find the faces (dlib), restore each with the face
generator, blend them back -- the official run.py's stages after the global restoration.

    restore_faces(img, *, hr=False, precision="auto", device=None) -> PIL.Image.Image

hr=True follows the official --HR: 512 x 512 faces and the FaceSR_512 checkpoint. A photo with no
face the detector finds comes back pixel-identical. Weights: WEIGHTS_DIR/bopb_faces
(`import_weights bopb_faces`); RESTORE_FACE_ENHANCEMENT=0 turns the whole stage off.
"""

from __future__ import annotations

import numpy as np
import torch
from PIL import Image

from enhance.engine.cache import NETWORKS
from enhance.engine.config import default_device, default_weights_dir
from enhance.engine.context import RunContext
from enhance.engine.device import resolve_device, resolve_precision
from enhance.engine.errors import WeightsMissingError
from enhance.engine.pipelines.bopb_face_align import aligned_face, find_faces
from enhance.engine.pipelines.bopb_face_blend import warp_back
from enhance.engine.pipelines.bopb_face_network import enhance_faces, face_network
from enhance.engine.weights.importers.bopb_faces_layout import (
    IMPORT_COMMAND,
    OFF_SETTING,
    face_enhancement_enabled,
    landmark_model_path,
    weight_file,
    weights_status,
)

STAGE_FINDING = "bopb: finding faces"
STAGE_RESTORING = "bopb: restoring faces {done}/{total}"
STAGE_BLENDING = "bopb: blending"
TURNED_OFF = f"face enhancement is turned off on this server ({OFF_SETTING})"


def restore_faces(img: Image.Image, *, hr: bool = False, precision: str = "auto", device=None) -> Image.Image:
    if not face_enhancement_enabled():
        raise ValueError(TURNED_OFF)
    resolved_device = resolve_device(device or default_device())
    weights_dir = default_weights_dir()
    ctx = RunContext(
        device=resolved_device,
        precision=resolve_precision(precision, resolved_device),
        tile_size=None,
        weights_dir=weights_dir,
        get_network=lambda key, build: NETWORKS.get(f"{weights_dir}|{key}", build),
    )
    with torch.inference_mode():
        return run_face_stages(img, hr, ctx)


def run_face_stages(img: Image.Image, hr: bool, ctx: RunContext, start: float = 0.0, end: float = 1.0) -> Image.Image:
    """Stages 2-4 inside a running job: progress reported between `start` and `end`."""
    ready, reason = weights_status(ctx.weights_dir)
    if not ready:
        raise WeightsMissingError("bopb", IMPORT_COMMAND, reason)
    size = weight_file(hr).face_size
    photo = np.array(img.convert("RGB"))
    ctx.report(start, STAGE_FINDING)
    faces = find_faces(photo, str(landmark_model_path()), size)
    if not faces:
        return img.copy()
    ctx.check_cancel()
    aligned = torch.from_numpy(np.stack([aligned_face(photo, face, size) for face in faces]).transpose(0, 3, 1, 2))
    span = end - start
    # "restoring faces k/N": k is the face being worked on
    ctx.report(start + 0.1 * span, STAGE_RESTORING.format(done=1, total=len(faces)))
    net = face_network(ctx, hr)

    def on_face(done: int, total: int) -> None:
        ctx.check_cancel()
        if done < total:
            ctx.report(start + (0.1 + 0.8 * done / total) * span, STAGE_RESTORING.format(done=done + 1, total=total))

    restored = enhance_faces(net, aligned.contiguous(), ctx, on_face)
    ctx.report(start + 0.9 * span, STAGE_BLENDING)
    faces_back = [face.permute(1, 2, 0).numpy() for face in restored]
    return Image.fromarray(warp_back(photo, faces, faces_back, size), "RGB")

"""BOPB stage 3 at full size, through the import: official-layout checkpoints (the seeds the
official generator was run with to make expected_full_*.png), imported by `import_weights
bopb_faces`, loaded as the pipeline loads them, against the official output at >= 50 dB."""

from __future__ import annotations

import pytest
import torch

from enhance.engine.pipelines.bopb_face_network import enhance_faces, face_network
from tests.engine.bopb.face_helpers import as_batch, as_image_array, cpu_context, load_rgb, psnr

pytestmark = [pytest.mark.engine, pytest.mark.slow]


@pytest.mark.parametrize("hr", [False, True], ids=["256", "512-hr"])
def test_imported_generator_matches_the_official_one(exact_face_weights, hr):
    size = 512 if hr else 256
    ctx = cpu_context(exact_face_weights)
    face = as_batch(load_rgb(f"aligned_{size}.png"))
    with torch.inference_mode():
        got = as_image_array(enhance_faces(face_network(ctx, hr), face, ctx))
    assert psnr(got, load_rgb(f"expected_full_{size}.png")) >= 50

"""BOPB stage 3 at full size, through the import: official-layout checkpoints (the seeds the
official generator was run with to make expected_full_*.png), imported by `import_weights
bopb_faces`, loaded as the pipeline loads them, against the official output at >= 50 dB."""

from __future__ import annotations

import shutil

import pytest
import torch
from django.core.management import call_command

from enhance.engine.pipelines.bopb_face_network import enhance_faces, face_network
from enhance.engine.weights.importers.bopb_faces_layout import WEIGHT_FILES
from tests.engine.bopb.face_checkpoints import seeded_face_state, write_official_face_folder, zip_folder
from tests.engine.bopb.face_helpers import as_batch, as_image_array, cpu_context, load_rgb, psnr

pytestmark = [pytest.mark.engine, pytest.mark.slow]

SEEDS = {256: 11, 512: 12}  # the seeds of the checkpoints the official generator ran with


@pytest.fixture(scope="module")
def exact_face_weights(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bopb-faces-exact")
    states = {spec.official: seeded_face_state(SEEDS[spec.face_size]) for spec in WEIGHT_FILES}
    archive = zip_folder(write_official_face_folder(folder / "src", states), folder / "face_checkpoints.zip")
    shutil.rmtree(folder / "src")
    from enhance.engine import config

    saved = dict(config._config)
    config.configure(weights_dir=folder / "weights", device="cpu")
    try:
        call_command("import_weights", "bopb_faces", str(archive))
    finally:
        config._config.clear()
        config._config.update(saved)
    archive.unlink()
    yield folder / "weights"
    shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.parametrize("hr", [False, True], ids=["256", "512-hr"])
def test_imported_generator_matches_the_official_one(exact_face_weights, hr):
    size = 512 if hr else 256
    ctx = cpu_context(exact_face_weights)
    face = as_batch(load_rgb(f"aligned_{size}.png"))
    with torch.inference_mode():
        got = as_image_array(enhance_faces(face_network(ctx, hr), face, ctx))
    assert psnr(got, load_rgb(f"expected_full_{size}.png")) >= 50

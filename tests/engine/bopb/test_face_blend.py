"""BOPB stage 4 against the official Face_Detection/align_warp_back_multiple_dlib.py (and _HR),
run as a script beside the project on the committed photos, with restored-face stand-ins made
from the official stage-2 faces (colours turned around: a histogram to match). Its order-0 warps
were made to return float64 as scikit-image < 0.19 did (see bopb_face_blend's docstring)."""

from __future__ import annotations

import numpy as np
import pytest

from enhance.engine.pipelines.bopb_face_align import find_faces
from enhance.engine.pipelines.bopb_face_blend import match_histograms, warp_back
from enhance.engine.weights.importers.bopb_faces_layout import landmark_model_path
from tests.engine.bopb.face_helpers import load_rgb, psnr

pytestmark = pytest.mark.engine

PHOTOS = {"one": 1, "two": 2, "cut": 1, "hr": 1}


def stand_in(name: str, index: int) -> np.ndarray:
    aligned = load_rgb(f"stage2_{name}_{index}.png").astype(int)
    return np.clip((255 - aligned) // 2 + 60, 0, 255).astype(np.uint8)


@pytest.mark.parametrize("name", sorted(PHOTOS))
def test_blending_matches_the_official_script(name):
    size = 512 if name == "hr" else 256
    photo = load_rgb(f"photo_{name}.png")
    faces = find_faces(photo, str(landmark_model_path()), size)
    restored = [stand_in(name, i) for i in range(1, len(faces) + 1)]
    got = warp_back(photo, faces, restored, size)
    expected = load_rgb(f"stage4_{name}.png")
    assert psnr(got, expected) >= 45
    assert not np.array_equal(got, photo)


def test_no_face_leaves_the_photo_identical():
    photo = load_rgb("photo_none.png")
    assert find_faces(photo, str(landmark_model_path()), 256) == []
    assert np.array_equal(warp_back(photo, [], [], 256), photo)


def test_histogram_matching_follows_the_reference():
    rng = np.random.default_rng(0)
    face = rng.integers(0, 128, (32, 32, 3), dtype=np.uint8)
    reference = rng.integers(128, 256, (32, 32, 3), dtype=np.uint8)
    matched = match_histograms(face, reference)
    assert matched.min() >= 128
    # the order of values is kept
    flat_in, flat_out = face[..., 0].ravel(), matched[..., 0].ravel()
    order = np.argsort(flat_in, kind="stable")
    assert np.all(np.diff(flat_out[order].astype(int)) >= 0)

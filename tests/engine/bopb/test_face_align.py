"""BOPB stage 2 against the official Face_Detection/detect_all_dlib.py (and _HR): the official
functions were run beside the project (scikit-image 0.26, dlib-bin 20.0.1.post1, the landmark
model of face-recognition-models 0.3.0) on the committed photos, cut from scikit-image's
astronaut.png (Eileen Collins, NASA: public domain); stage2_official.json holds their five
points and transforms, stage2_<photo>_<n>.png their aligned faces."""

from __future__ import annotations

import json

import numpy as np
import pytest

from enhance.engine.pipelines.bopb_face_align import aligned_face, find_faces, similarity, template_points
from enhance.engine.weights.importers.bopb_faces_layout import landmark_model_path
from tests.engine.bopb.face_helpers import FIXTURES, load_rgb

pytestmark = pytest.mark.engine

OFFICIAL = json.loads((FIXTURES / "stage2_official.json").read_text())
PHOTOS = {"one": 1, "two": 2, "cut": 1, "none": 0, "hr": 1}


@pytest.mark.parametrize("name", sorted(PHOTOS))
def test_faces_points_transforms_and_aligned_faces_are_exact(name):
    size = 512 if name == "hr" else 256
    photo = load_rgb(f"photo_{name}.png")
    faces = find_faces(photo, str(landmark_model_path()), size)
    assert len(faces) == PHOTOS[name] == len(OFFICIAL[name])
    for index, (face, official) in enumerate(zip(faces, OFFICIAL[name], strict=True), start=1):
        assert face.points.tolist() == official["points"]
        # to the last bits: the least-squares solve's rounding differs between CPUs (BLAS paths)
        assert np.allclose(face.affine, np.array(official["affine"]), rtol=0, atol=1e-9)
        got = aligned_face(photo, face, size)
        assert got.shape == (size, size, 3) and got.dtype == np.uint8
        assert np.array_equal(got, load_rgb(f"stage2_{name}_{index}.png"))


def test_cut_face_is_filled_with_black_where_the_photo_ends():
    photo = load_rgb("photo_cut.png")
    [face] = find_faces(photo, str(landmark_model_path()), 256)
    black = (aligned_face(photo, face, 256) == 0).all(axis=-1)
    assert black[:, :20].mean() > 0.9  # the face's left side lies outside the photo
    assert not black[:, 128:].any()


def test_similarity_recovers_a_known_transform():
    src = template_points(256).astype(np.float64)
    angle, scale, shift = 0.3, 0.7, np.array([12.5, -4.0])
    rotation = scale * np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    dst = src @ rotation.T + shift
    t = similarity(src, dst)
    assert np.allclose(t[:2, :2], rotation) and np.allclose(t[:2, 2], shift) and np.allclose(t[2], [0, 0, 1])

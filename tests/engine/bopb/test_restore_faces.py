"""restore_faces (BOPB stages 2-4) and the bopb pipeline's `faces` option.

The exact checks compare with the official chain run beside the project on the committed photos:
detect_all_dlib(_HR) -> the official generator (the seed-11 / seed-12 checkpoints of
face_checkpoints.py) -> align_warp_back_multiple_dlib(_HR); final_<photo>.png are its outputs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from enhance.engine import WeightsMissingError, enhance_image, validate_options
from enhance.engine.device import cpu_has_native_bf16
from enhance.engine.pipelines.bopb import PIPELINE
from enhance.engine.pipelines.bopb_faces import restore_faces
from tests.engine.bopb.face_helpers import FIXTURES, load_rgb, psnr

pytestmark = pytest.mark.engine


def _photo(name: str) -> Image.Image:
    return Image.open(FIXTURES / f"photo_{name}.png").convert("RGB")


@pytest.fixture
def faces_engine(face_weights_dir, use_weights_dir):
    return use_weights_dir(face_weights_dir)


def test_no_face_comes_back_pixel_identical(faces_engine):
    img = _photo("none")
    assert np.array_equal(np.asarray(restore_faces(img, precision="fp32")), np.asarray(img))


def test_grayscale_photo_without_faces_stays_as_it_was(faces_engine):
    img = _photo("none").convert("L")
    out = restore_faces(img, precision="fp32")
    assert out.mode == "L" and np.array_equal(np.asarray(out), np.asarray(img))


def test_missing_face_weights_name_the_command(tmp_path, use_weights_dir):
    use_weights_dir(tmp_path)
    with pytest.raises(WeightsMissingError, match="import_weights bopb_faces PATH"):
        restore_faces(_photo("none"))


def test_turned_off_by_the_operator(faces_engine, monkeypatch):
    monkeypatch.setenv("RESTORE_FACE_ENHANCEMENT", "0")
    with pytest.raises(ValueError, match="RESTORE_FACE_ENHANCEMENT=0"):
        restore_faces(_photo("none"))
    with pytest.raises(ValueError, match="turned off"):
        PIPELINE.resolve_faces(True, Path(faces_engine))
    assert PIPELINE.resolve_faces(None, Path(faces_engine)) is False


def test_faces_default_follows_the_installed_weights(faces_engine, tmp_path, use_weights_dir):
    assert validate_options("bopb", {}) == {"scratches": False, "hr": False, "faces": None}
    assert PIPELINE.resolve_faces(None, Path(faces_engine)) is True
    assert validate_options("bopb", {"faces": "off"})["faces"] is False
    assert PIPELINE.resolve_faces(False, Path(faces_engine)) is False
    assert PIPELINE.resolve_faces(None, tmp_path) is False
    with pytest.raises(ValueError, match="faces must be true or false"):
        validate_options("bopb", {"faces": "maybe"})


def test_faces_requested_without_face_weights_is_the_weights_error(bopb_engine):
    with pytest.raises(WeightsMissingError, match="import_weights bopb_faces PATH"):
        enhance_image(_photo("none"), "bopb", {"faces": True}, precision="fp32")


@pytest.mark.slow
def test_progress_names_the_face_stages(faces_engine, monkeypatch):
    from enhance.engine.pipelines import bopb_faces

    seen = []
    original = bopb_faces.RunContext

    def recording(**kwargs):
        return original(**kwargs, progress=lambda fraction, stage: seen.append((round(fraction, 3), stage)))

    monkeypatch.setattr(bopb_faces, "RunContext", recording)
    out = restore_faces(_photo("two"), precision="fp32")
    stages = [stage for _, stage in seen]
    assert stages == [
        "bopb: finding faces", "bopb: restoring faces 1/2", "bopb: blending",
    ]  # fmt: skip
    assert out.size == (340, 170) and not np.array_equal(np.asarray(out), np.asarray(_photo("two")))


@pytest.mark.slow
@pytest.mark.parametrize("name", ["one", "two", "cut", "hr"])
def test_matches_the_official_chain(exact_face_weights, use_weights_dir, name):
    use_weights_dir(exact_face_weights)
    out = restore_faces(_photo(name), hr=name == "hr", precision="fp32")
    assert psnr(np.asarray(out), load_rgb(f"final_{name}.png")) >= 45


@pytest.mark.slow
def test_bench_times_every_stage(face_weights_dir):
    from enhance.engine.pipelines.bopb_faces_bench import bench_faces

    [row] = bench_faces((1,), "fp32", face_weights_dir)
    assert row["faces_found"] == 1 and row["weights"] == "installed" and round(row["megapixels"], 1) == 1.0
    assert all(row[key] > 0 for key in ("detect_s", "align_s", "enhance_s", "blend_s"))


@pytest.mark.slow
@pytest.mark.skipif(not cpu_has_native_bf16(),
                    reason="bf16 convolutions are emulated on this CPU: the face network takes tens of minutes")
def test_bf16_matches_fp32(exact_face_weights, use_weights_dir):
    use_weights_dir(exact_face_weights)
    reference = np.asarray(restore_faces(_photo("one"), precision="fp32"))
    assert psnr(np.asarray(restore_faces(_photo("one"), precision="bf16")), reference) >= 45

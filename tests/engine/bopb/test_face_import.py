"""`import_weights bopb_faces PATH`: the official face_checkpoints.zip (or its folder) in, folded
canonical safetensors out; anything else refused with a reason, the previous weights kept."""

from __future__ import annotations

import builtins
import shutil
import zipfile

import pytest
import torch
from django.core.management import CommandError, call_command

from enhance.engine.weights import store
from enhance.engine.weights.importers.bopb_faces import fold_spectral_norm
from enhance.engine.weights.importers.bopb_faces_layout import CANONICAL_FILES, MODEL_DIR, WEIGHT_FILES, weights_status
from tests.engine.bopb.face_checkpoints import ROOT, zip_folder

pytestmark = pytest.mark.engine

SMALL = "Setting_9_epoch_100/latest_net_G.pth"
HR = "FaceSR_512/latest_net_G.pth"


class CodeRunningPayload:
    """Unpickling this calls open(path, "w"): proof that code ran."""

    def __init__(self, path):
        self.path = str(path)

    def __reduce__(self):
        return (builtins.open, (self.path, "w"))


@pytest.fixture
def imported(official_face_zip, tmp_path, use_weights_dir):
    weights = use_weights_dir(tmp_path / "weights")
    call_command("import_weights", "bopb_faces", str(official_face_zip))
    yield weights
    shutil.rmtree(weights, ignore_errors=True)  # 700 MB


def _zip_with(tmp_path, official_face_folder, replace: dict[str, bytes | None]) -> str:
    """The official zip with some members replaced (bytes) or left out (None)."""
    archive = tmp_path / "face_checkpoints.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_STORED) as zf:
        for file in sorted(official_face_folder.rglob("*")):
            name = file.relative_to(official_face_folder).as_posix()
            official = name.removeprefix(f"{ROOT}/")
            if official in replace:
                if replace[official] is not None:
                    zf.writestr(name, replace[official])
            elif file.is_file():
                zf.write(file, name)
    return str(archive)


def _assert_kept(weights, manifest_before):
    assert store.read_manifest(weights, MODEL_DIR) == manifest_before
    assert store.verify(weights, MODEL_DIR) == []
    assert not [p for p in weights.iterdir() if p.name.startswith(".")]  # no staging left over


def test_zip_import_folds_spectral_norm_and_records_licences(imported, official_face_states):
    manifest = store.read_manifest(imported, MODEL_DIR)
    assert sorted(manifest["files"]) == sorted(CANONICAL_FILES)
    assert manifest["source"] == "face_checkpoints.zip"
    assert "MIT" in manifest["licence"] and "iBUG 300-W" in manifest["licence"]
    assert "commercial" in manifest["landmark_model"]["licence"]
    assert manifest["landmark_model"]["turn_off"] == "RESTORE_FACE_ENHANCEMENT=0"
    assert store.verify(imported, MODEL_DIR) == []
    for spec in WEIGHT_FILES:
        loaded = store.load_file(imported, MODEL_DIR, spec.canonical)
        expected = fold_spectral_norm(official_face_states[spec.official])
        assert sorted(loaded) == sorted(expected)
        assert not any(name.endswith(("weight_orig", "weight_u", "num_batches_tracked")) for name in loaded)
        assert all(torch.equal(loaded[name], expected[name]) for name in expected)
    assert weights_status(imported) == (True, "")


def test_folder_import(official_face_folder, tmp_path, use_weights_dir, capsys):
    weights = use_weights_dir(tmp_path / "weights")
    call_command("import_weights", "bopb_faces", str(official_face_folder / ROOT))
    assert "bopb_faces: imported" in capsys.readouterr().out
    assert weights_status(weights) == (True, "")
    shutil.rmtree(weights)


def test_missing_weights_name_the_command(tmp_path):
    ready, reason = weights_status(tmp_path)
    assert not ready and "import_weights bopb_faces PATH" in reason and "fetch_weights bopb" in reason


def test_truncated_zip_is_refused_and_previous_weights_kept(imported, official_face_zip, tmp_path):
    before = store.read_manifest(imported, MODEL_DIR)
    broken = tmp_path / "face_checkpoints.zip"
    broken.write_bytes(official_face_zip.read_bytes()[: 50 << 20])
    with pytest.raises(CommandError, match="bopb_faces: .*not a zip archive"):
        call_command("import_weights", "bopb_faces", str(broken))
    _assert_kept(imported, before)


def test_incomplete_zip_is_refused_and_previous_weights_kept(imported, official_face_folder, tmp_path):
    before = store.read_manifest(imported, MODEL_DIR)
    archive = _zip_with(tmp_path, official_face_folder, {HR: None})
    with pytest.raises(CommandError, match=f"missing official face checkpoint file.*{HR}"):
        call_command("import_weights", "bopb_faces", archive)
    _assert_kept(imported, before)


def test_corrupt_member_is_refused_and_previous_weights_kept(imported, official_face_folder, tmp_path):
    before = store.read_manifest(imported, MODEL_DIR)
    raw = (official_face_folder / ROOT / SMALL).read_bytes()
    archive = _zip_with(tmp_path, official_face_folder, {SMALL: raw[: len(raw) // 3]})
    with pytest.raises(CommandError, match=f"{SMALL}: not a readable PyTorch checkpoint"):
        call_command("import_weights", "bopb_faces", archive)
    _assert_kept(imported, before)


def test_wrong_shape_is_refused(official_face_states, official_face_folder, tmp_path, use_weights_dir):
    weights = use_weights_dir(tmp_path / "weights")
    state = dict(official_face_states[SMALL])
    state["conv_img.weight"] = torch.zeros(3, 32, 3, 3)
    path = tmp_path / "bad.pth"
    torch.save(state, path)
    archive = _zip_with(tmp_path, official_face_folder, {SMALL: path.read_bytes()})
    with pytest.raises(CommandError, match=r"conv_img.weight is \[3, 32, 3, 3\] float32, expected \[3, 64, 3, 3\]"):
        call_command("import_weights", "bopb_faces", archive)
    assert not (weights / MODEL_DIR).exists()


def test_checkpoint_that_runs_code_is_refused(official_face_folder, tmp_path, use_weights_dir):
    weights = use_weights_dir(tmp_path / "weights")
    marker = tmp_path / "code-ran"
    path = tmp_path / "evil.pth"
    torch.save({"conv_img.weight": CodeRunningPayload(marker)}, path)
    archive = _zip_with(tmp_path, official_face_folder, {HR: path.read_bytes()})
    with pytest.raises(CommandError, match="refused: not a plain tensor checkpoint"):
        call_command("import_weights", "bopb_faces", archive)
    assert not marker.exists()
    assert not (weights / MODEL_DIR).exists()


def test_stage1_archive_is_not_taken_for_the_face_one(tmp_path, use_weights_dir):
    use_weights_dir(tmp_path / "weights")
    folder = tmp_path / "global"
    (folder / ROOT / "restoration" / "VAE_A_quality").mkdir(parents=True)
    torch.save({"x": torch.zeros(1)}, folder / ROOT / "restoration" / "VAE_A_quality" / "latest_net_G.pth")
    with pytest.raises(CommandError, match="not part of the official BOPB face release"):
        call_command("import_weights", "bopb_faces", str(zip_folder(folder, tmp_path / "g.zip")))


def test_path_required(use_weights_dir, tmp_path):
    use_weights_dir(tmp_path / "weights")
    with pytest.raises(CommandError, match="fetch_weights bopb"):
        call_command("import_weights", "bopb_faces")

"""`import_weights bopb PATH`: official zip or folder in, canonical safetensors out; anything that
is not exactly the official release is refused with a clear message and leaves the previous
weights untouched."""

from __future__ import annotations

import builtins
import json
import shutil
import zipfile

import pytest
import torch
from django.core.management import CommandError, call_command

from enhance.engine.errors import WeightsFormatError
from enhance.engine.pipelines.bopb import PIPELINE
from enhance.engine.weights import store
from enhance.engine.weights.importers.bopb import import_bopb
from enhance.engine.weights.importers.bopb_layout import CANONICAL_FILES, MODEL_DIR, WEIGHT_FILES
from tests.engine.bopb.official_checkpoints import ROOT

pytestmark = pytest.mark.engine

VAE_A = "restoration/VAE_A_quality/latest_net_G.pth"
PATCH = "restoration/mapping_Patch_Attention/latest_net_mapping_net.pth"


class CodeRunningPayload:
    """Unpickling this calls open(path, "w"): proof that code ran."""

    def __init__(self, path):
        self.path = str(path)

    def __reduce__(self):
        return (builtins.open, (self.path, "w"))


def test_zip_import_writes_every_canonical_file(bopb_weights_dir, official_states):
    manifest = store.read_manifest(bopb_weights_dir, MODEL_DIR)
    assert sorted(manifest["files"]) == sorted(CANONICAL_FILES)
    assert manifest["source"] == "global_checkpoints.zip"
    assert "MIT" in manifest["licence"]
    assert store.verify(bopb_weights_dir, MODEL_DIR) == []
    for spec in WEIGHT_FILES:
        loaded = store.load_file(bopb_weights_dir, MODEL_DIR, spec.canonical)
        official = official_states[spec.official]
        assert sorted(loaded) == sorted(official)
        assert all(torch.equal(loaded[name], official[name]) for name in official)
    assert PIPELINE.weights_status(bopb_weights_dir) == (True, "")


def test_folder_import_via_command(official_folder, tmp_path, use_weights_dir, capsys):
    weights = use_weights_dir(tmp_path / "weights")
    # the extracted archive may sit anywhere inside the given folder
    call_command("import_weights", "bopb", str(official_folder))
    assert "bopb: imported" in capsys.readouterr().out
    assert PIPELINE.weights_status(weights) == (True, "")
    assert store.verify(weights, MODEL_DIR) == []
    shutil.rmtree(weights)  # 750 MB; not worth keeping in pytest's temp dirs


def _variant(official_folder, root, *, drop=(), replace=None, extra=None):
    """An official-layout folder whose files link to the session's good ones, except the changed ones."""
    replace = replace or {}
    for spec in WEIGHT_FILES:
        if spec.official in drop:
            continue
        target = root / ROOT / spec.official
        target.parent.mkdir(parents=True, exist_ok=True)
        if spec.official in replace:
            torch.save(replace[spec.official], target)
        else:
            target.symlink_to(official_folder / ROOT / spec.official)
    for relative, payload in (extra or {}).items():
        target = root / ROOT / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        torch.save(payload, target)
    return root


def _snapshot(weights_dir):
    """The manifest plus identity (inode, mtime, size) of every file: any rewrite shows."""
    manifest = store.read_manifest(weights_dir, MODEL_DIR)
    files = sorted(
        (p.relative_to(weights_dir).as_posix(), p.stat().st_ino, p.stat().st_mtime_ns, p.stat().st_size)
        for p in weights_dir.rglob("*")
    )
    return json.dumps(manifest, sort_keys=True), files


def _bad_shape(states):
    state = dict(states[VAE_A])
    state["encoder.1.weight"] = torch.zeros(64, 3, 5, 5)
    return {VAE_A: state}


def _bad_dtype(states):
    state = dict(states[VAE_A])
    state["decoder.11.bias"] = state["decoder.11.bias"].half()
    return {VAE_A: state}


def _renamed(states):
    state = dict(states[VAE_A])
    state["module.encoder.1.bias"] = state.pop("encoder.1.bias")
    return {VAE_A: state}


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("shape", "encoder.1.weight is [64, 3, 5, 5] float32, expected [64, 3, 7, 7] float32"),
        ("dtype", "decoder.11.bias is [3] float16, expected [3] float32"),
        ("renamed", "missing tensors encoder.1.bias"),
        ("missing", f"missing official checkpoint file(s): {PATCH}"),
        ("extra", "unknown checkpoint file(s) checkpoints/restoration/mapping_quality/latest_net_D.pth"),
        ("unwrapped", "expected the state dict under 'model_state'"),
    ],
)
def test_bad_archives_are_refused_and_previous_weights_stay(
    case, message, official_folder, official_states, bopb_weights_dir, use_weights_dir, tmp_path
):
    use_weights_dir(bopb_weights_dir)
    before = _snapshot(bopb_weights_dir)
    kwargs = {
        "shape": lambda: {"replace": _bad_shape(official_states)},
        "dtype": lambda: {"replace": _bad_dtype(official_states)},
        "renamed": lambda: {"replace": _renamed(official_states)},
        "missing": lambda: {"drop": (PATCH,)},
        "extra": lambda: {"extra": {"restoration/mapping_quality/latest_net_D.pth": {"w": torch.zeros(1)}}},
        "unwrapped": lambda: {"replace": {"detection/FT_Epoch_latest.pt": {"first.1.bias": torch.zeros(64)}}},
    }[case]()
    source = _variant(official_folder, tmp_path / "variant", **kwargs)
    with pytest.raises(CommandError) as refused:
        call_command("import_weights", "bopb", str(source))
    assert message in str(refused.value)
    assert _snapshot(bopb_weights_dir) == before


def test_checkpoint_that_runs_code_is_refused(official_folder, bopb_weights_dir, use_weights_dir, tmp_path):
    use_weights_dir(bopb_weights_dir)
    before = _snapshot(bopb_weights_dir)
    marker = tmp_path / "code-ran"
    source = _variant(official_folder, tmp_path / "variant", replace={VAE_A: CodeRunningPayload(marker)})
    with pytest.raises(CommandError) as refused:
        call_command("import_weights", "bopb", str(source))
    assert "could run code" in str(refused.value)
    assert not marker.exists()
    assert _snapshot(bopb_weights_dir) == before


def test_not_an_archive_is_refused(tmp_path, bopb_weights_dir):
    junk = tmp_path / "global_checkpoints.zip"
    junk.write_bytes(b"this is not a zip")
    before = _snapshot(bopb_weights_dir)
    with pytest.raises(WeightsFormatError, match="not a zip archive or folder"):
        import_bopb(junk, bopb_weights_dir)
    assert _snapshot(bopb_weights_dir) == before


def test_zip_with_two_copies_is_refused(tmp_path, official_folder):
    archive = tmp_path / "double.zip"
    source = official_folder / ROOT / VAE_A
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(source, f"a/{VAE_A}")
        zf.write(source, f"b/{VAE_A}")
    with pytest.raises(WeightsFormatError, match="appears twice"):
        import_bopb(archive, tmp_path / "weights")
    assert not (tmp_path / "weights" / MODEL_DIR).exists()


def test_macos_leftovers_are_ignored(tmp_path, official_folder):
    archive = tmp_path / "mac.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr(f"__MACOSX/checkpoints/{VAE_A}", b"resource fork")
        zf.writestr("checkpoints/restoration/VAE_A_quality/._latest_net_G.pth", b"resource fork")
    # only the missing real files are reported, not the macOS noise
    with pytest.raises(WeightsFormatError, match="missing official checkpoint") as refused:
        import_bopb(archive, tmp_path / "weights")
    assert "unknown" not in str(refused.value)

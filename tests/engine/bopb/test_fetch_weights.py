"""`fetch_weights bopb`: downloads, verifies and imports; says so plainly when it cannot download."""

from __future__ import annotations

import shutil

import pytest
from django.core.management import CommandError, call_command

from enhance.engine.pipelines.bopb import PIPELINE
from enhance.engine.weights import store
from enhance.engine.weights.importers.bopb_layout import MODEL_DIR

pytestmark = pytest.mark.engine


def test_unreachable_release_fails_plainly_and_writes_nothing(tmp_path, use_weights_dir):
    weights = use_weights_dir(tmp_path / "weights")
    with pytest.raises(CommandError) as failed:
        # port 9 (discard) on localhost: refused at once, like a machine without network access
        call_command("fetch_weights", "bopb", "--url", "http://127.0.0.1:9/global_checkpoints.zip", "--timeout", "5")
    message = str(failed.value)
    assert "could not download the official weights" in message
    assert "python manage.py import_weights bopb PATH" in message
    assert not (weights / MODEL_DIR).exists()
    assert list(weights.iterdir()) == []  # no partial download left behind


def test_download_is_verified_and_imported(official_zip, tmp_path, use_weights_dir, capsys):
    weights = use_weights_dir(tmp_path / "weights")
    call_command("fetch_weights", "bopb", "--url", official_zip.as_uri())
    assert "bopb: imported" in capsys.readouterr().out
    assert PIPELINE.weights_status(weights) == (True, "")
    assert sorted(p.name for p in weights.iterdir()) == [MODEL_DIR]
    shutil.rmtree(weights)  # 750 MB; not worth keeping in pytest's temp dirs


def test_download_that_is_not_the_release_is_refused(tmp_path, use_weights_dir):
    weights = use_weights_dir(tmp_path / "weights")
    bogus = tmp_path / "global_checkpoints.zip"
    bogus.write_bytes(b"<html>rate limited</html>")
    with pytest.raises(CommandError, match="was refused: .*not a zip archive"):
        call_command("fetch_weights", "bopb", "--url", bogus.as_uri())
    assert store.read_manifest(weights, MODEL_DIR) is None
    assert list(weights.iterdir()) == []


@pytest.mark.slow
def test_both_archives_are_fetched_and_imported(official_zip, official_face_zip, tmp_path, use_weights_dir, capsys):
    from enhance.engine.weights.importers.bopb_faces_layout import MODEL_DIR as FACES_DIR
    from enhance.engine.weights.importers.bopb_faces_layout import weights_status

    weights = use_weights_dir(tmp_path / "weights")
    call_command("fetch_weights", "bopb", "--url", official_zip.as_uri(), "--faces-url", official_face_zip.as_uri())
    out = capsys.readouterr().out
    assert "bopb: imported" in out and "bopb_faces: imported" in out
    assert PIPELINE.weights_status(weights) == (True, "") and weights_status(weights) == (True, "")
    assert sorted(p.name for p in weights.iterdir()) == [MODEL_DIR, FACES_DIR]
    shutil.rmtree(weights)


def test_unreachable_face_release_fails_plainly(official_zip, tmp_path, use_weights_dir):
    from enhance.engine.weights.importers.bopb_faces_layout import MODEL_DIR as FACES_DIR

    weights = use_weights_dir(tmp_path / "weights")
    with pytest.raises(CommandError) as failed:
        call_command(
            "fetch_weights", "bopb", "--url", official_zip.as_uri(),
            "--faces-url", "http://127.0.0.1:9/face_checkpoints.zip", "--timeout", "5",
        )  # fmt: skip
    message = str(failed.value)
    assert message.startswith("bopb_faces: could not download the official weights")
    assert "python manage.py import_weights bopb_faces PATH" in message
    assert PIPELINE.weights_status(weights) == (True, "")  # stage 1 came through and stays
    assert not (weights / FACES_DIR).exists()
    assert sorted(p.name for p in weights.iterdir()) == [MODEL_DIR]
    shutil.rmtree(weights)

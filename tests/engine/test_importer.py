"""ncnn and .pth importers: blob counts, tags, Deconvolution order, old/new RealSR key names,
and corrupt input that must fail clearly and write nothing."""

from __future__ import annotations

import struct

import numpy as np
import pytest
import torch

from enhance.engine.archs import rrdbnet, waifu2x
from enhance.engine.errors import WeightsFormatError
from enhance.engine.weights import builtin, store
from enhance.engine.weights.importers.ncnn import parameter_modules, state_dict_from_ncnn
from enhance.engine.weights.importers.realsr_pth import import_realsr_checkpoint
from enhance.engine.weights.ncnn_format import TAG_FP16, TAG_FP32, load_pair, parse_param, read_bin, weighted_layers
from tests.engine.helpers import ncnn_forward

pytestmark = pytest.mark.engine


def _pair(model_id, name):
    folder = builtin.package_models_dir(model_id)
    return folder / f"{name}.param", folder / f"{name}.bin"


@pytest.mark.parametrize(
    ("model_id", "name", "network", "count"),
    [
        ("realsr", "REALSR_DF2K_UP4X", rrdbnet.RRDBNet, 1 + 23 * 3 * 5 + 5),
        ("waifu2x", "WAIFU2X_PHOTO_UP2X", waifu2x.UpConv7, 7),
        ("waifu2x", "WAIFU2X_CUNET_UP2X", lambda: waifu2x.CUNet(True), 30),
        ("waifu2x", "WAIFU2X_CUNET_UP1X_DENOISE1X", lambda: waifu2x.CUNet(False), 30),
    ],
)
def test_packaged_blob_counts_and_fp16_tags(model_id, name, network, count):
    layers = load_pair(*_pair(model_id, name))
    weighted = weighted_layers(layers)
    assert len(weighted) == count == len(parameter_modules(network()))
    tags = {layer.weight_tag for layer in weighted}
    assert TAG_FP16 in tags and tags <= {TAG_FP16, TAG_FP32}  # the SE blocks' InnerProducts are fp32
    assert all(layer.weights["bias"].dtype == np.float32 for layer in weighted)


def _deconv_param(cin, cout, k, stride, pad):
    return (
        "7767517\n2 2\n"
        f"Input in 0 1 data 0={8} 1={8} 2={cin}\n"
        f"Deconvolution deconv 1 1 data out 0={cout} 1={k} 3={stride} 4={pad} 5=1 6={cin * cout * k * k}\n"
    )


def test_deconvolution_weight_order_matches_ncnn_runtime(tmp_path):
    cin, cout, k, stride, pad = 2, 3, 4, 2, 1
    rng = np.random.default_rng(7)
    weight = rng.standard_normal(cin * cout * k * k).astype("<f4")
    bias = rng.standard_normal(cout).astype("<f4")
    param = _deconv_param(cin, cout, k, stride, pad)
    blob = struct.pack("<I", 0) + weight.tobytes() + bias.tobytes()  # fp32 tag
    (tmp_path / "d.param").write_text(param)
    (tmp_path / "d.bin").write_bytes(blob)

    module = torch.nn.ConvTranspose2d(cin, cout, k, stride, pad)
    module.load_state_dict(state_dict_from_ncnn(read_bin(parse_param(param), blob), module, "d"))
    x = rng.random((cin, 6, 5)).astype(np.float32)
    with torch.no_grad():
        ours = module(torch.from_numpy(x)[None])[0].numpy()

    import ncnn

    net = ncnn.Net()
    net.opt.use_vulkan_compute = False
    net.opt.use_fp16_storage = net.opt.use_fp16_packed = net.opt.use_fp16_arithmetic = False
    net.opt.use_bf16_storage = False
    net.load_param(str(tmp_path / "d.param"))
    net.load_model(str(tmp_path / "d.bin"))
    reference = ncnn_forward(net, x, "data", "out")
    assert ours.shape == reference.shape
    np.testing.assert_allclose(ours, reference, atol=1e-4)


def test_unknown_weight_tag_is_refused():
    param = _deconv_param(1, 1, 2, 2, 0)
    blob = struct.pack("<I", 0x000D4B38) + bytes(4) + bytes(4)  # int8-quantised tag
    with pytest.raises(WeightsFormatError, match="unsupported weight tag 0x000D4B38"):
        read_bin(parse_param(param), blob)


def test_trailing_bytes_and_bad_magic_are_refused():
    param = _deconv_param(1, 1, 2, 2, 0)
    blob = struct.pack("<I", 0) + bytes(16) + bytes(4)
    with pytest.raises(WeightsFormatError, match="trailing"):
        read_bin(parse_param(param), blob + b"\0\0\0\0")
    with pytest.raises(WeightsFormatError, match="magic"):
        parse_param("123\n1 1\nInput in 0 1 data\n")


def _mirror_package(tmp_path, model_id):
    """A folder of symlinks to the packaged files, so one can be replaced by a damaged copy."""
    source = builtin.package_models_dir(model_id)
    folder = tmp_path / f"src-{model_id}"
    folder.mkdir()
    for path in source.iterdir():
        (folder / path.name).symlink_to(path)
    return folder


def test_truncated_bin_gives_clear_error_and_writes_nothing(tmp_path):
    folder = _mirror_package(tmp_path, "waifu2x")
    original = (folder / "WAIFU2X_PHOTO_UP2X_DENOISE2X.bin").read_bytes()
    (folder / "WAIFU2X_PHOTO_UP2X_DENOISE2X.bin").unlink()
    (folder / "WAIFU2X_PHOTO_UP2X_DENOISE2X.bin").write_bytes(original[: len(original) // 2])
    weights = tmp_path / "weights"
    with pytest.raises(WeightsFormatError, match="WAIFU2X_PHOTO_UP2X_DENOISE2X.bin: truncated"):
        builtin.import_waifu2x_ncnn(weights, folder)
    assert not weights.exists() or list(weights.iterdir()) == []  # no temp folder left behind either


def test_failed_reimport_keeps_previous_weights(tmp_path, engine_weights_dir):
    folder = _mirror_package(tmp_path, "realsr")
    weights = tmp_path / "weights"
    builtin.import_realsr_ncnn(weights, folder)
    before = store.read_manifest(weights, "realsr")
    (folder / "REALSR_DF2K_UP4X.bin").unlink()
    (folder / "REALSR_DF2K_UP4X.bin").write_bytes(b"\x47\x6b\x30\x01" + bytes(100))
    with pytest.raises(WeightsFormatError, match="truncated"):
        builtin.import_realsr_ncnn(weights, folder)
    assert store.read_manifest(weights, "realsr") == before
    assert store.verify(weights, "realsr") == []


def _old_key(key: str) -> str:
    parts = key.split(".")
    if parts[0] == "RRDB_trunk":
        return f"model.1.sub.{parts[1]}.{parts[2]}.{parts[3]}.0.{parts[4]}"
    head = {"conv_first": "model.0", "trunk_conv": "model.1.sub.23", "upconv1": "model.3"}
    head |= {"upconv2": "model.6", "HRconv": "model.8", "conv_last": "model.10"}
    return f"{head[parts[0]]}.{parts[1]}"


@pytest.mark.parametrize("style", ["new", "old", "wrapped"])
def test_realsr_checkpoint_key_styles(tmp_path, engine_weights_dir, style):
    state = {k: v.float() for k, v in store.load_file(engine_weights_dir, "realsr", builtin.REALSR_FILE).items()}
    if style == "old":
        checkpoint = {_old_key(k): v for k, v in state.items()}
        assert "model.1.sub.0.RDB1.conv1.0.weight" in checkpoint
    elif style == "wrapped":
        checkpoint = {"params_ema": {f"module.{k}": v for k, v in state.items()}}
    else:
        checkpoint = state
    path = tmp_path / "RealSR_DF2K.pth"
    torch.save(checkpoint, path)
    weights = tmp_path / "weights"
    import_realsr_checkpoint(path, weights)
    loaded = store.load_file(weights, "realsr", builtin.REALSR_FILE)
    assert set(loaded) == set(state)
    assert all(torch.equal(loaded[k], state[k]) for k in state)
    manifest = store.read_manifest(weights, "realsr")
    assert manifest["source_sha256"]["RealSR_DF2K.pth"] == store.sha256_file(path)


def test_wrong_checkpoint_is_refused_and_writes_nothing(tmp_path):
    path = tmp_path / "other.pth"
    torch.save({"conv_first.weight": torch.zeros(64, 3, 3, 3)}, path)
    weights = tmp_path / "weights"
    with pytest.raises(WeightsFormatError, match="not a RealSR DF2K x4 RRDBNet checkpoint"):
        import_realsr_checkpoint(path, weights)
    (tmp_path / "junk.pth").write_bytes(b"not a checkpoint")
    with pytest.raises(WeightsFormatError, match="not a readable PyTorch checkpoint"):
        import_realsr_checkpoint(tmp_path / "junk.pth", weights)
    assert not (weights / "realsr").exists()

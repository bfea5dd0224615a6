"""Precision: auto resolution, and bf16 within 45 dB of fp32."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from enhance.engine import run_enhancement
from enhance.engine.catalog import get_spec
from enhance.engine.catalog.spec import DeviceInfo, ModelSpec, Precisions
from enhance.engine.device import resolve_device, resolve_precision
from tests.engine.helpers import psnr, random_image

pytestmark = pytest.mark.engine


def test_auto_precision(monkeypatch):
    from enhance.engine import device

    cpu = torch.device("cpu")
    monkeypatch.setattr(device, "cpu_has_native_bf16", lambda: True)
    assert resolve_precision("auto", cpu) == "bf16"
    monkeypatch.setattr(device, "cpu_has_native_bf16", lambda: False)
    assert resolve_precision("auto", cpu) == "fp32"
    assert resolve_precision("FP32", cpu) == "fp32"
    with pytest.raises(ValueError, match="allowed: auto, fp32, bf16, fp16"):
        resolve_precision("int8", cpu)


T4 = DeviceInfo("cuda", "Tesla T4", 15 << 30, (7, 5), bf16=False)
A100 = DeviceInfo("cuda", "NVIDIA A100-SXM4-80GB", 80 << 30, (8, 0), bf16=True)
H200 = DeviceInfo("cuda", "NVIDIA H200", 141 << 30, (9, 0), bf16=True)
CPU_BF16 = DeviceInfo("cpu", "Xeon with AMX", 64 << 30, bf16=True)
CPU_PLAIN = DeviceInfo("cpu", "Xeon without bf16", 64 << 30, bf16=False)


@pytest.mark.parametrize(
    ("model", "device", "expected"),
    [
        ("realsr", T4, "fp16"),
        ("realsr", A100, "bf16"),
        ("realsr", H200, "bf16"),
        ("realsr", CPU_BF16, "bf16"),
        ("realsr", CPU_PLAIN, "fp32"),
        ("waifu2x", T4, "fp16"),
        ("waifu2x", A100, "bf16"),
        ("waifu2x", H200, "bf16"),
        ("waifu2x", CPU_BF16, "bf16"),
        ("waifu2x", CPU_PLAIN, "fp32"),
        # bf16 is outside BOPB's parity bar (see its spec): fp16 on every GPU, fp32 on CPUs
        ("bopb", T4, "fp16"),
        ("bopb", A100, "fp16"),
        ("bopb", H200, "fp16"),
        ("bopb", CPU_BF16, "fp32"),
        ("bopb", CPU_PLAIN, "fp32"),
    ],
)
def test_auto_precision_per_model_and_device(model, device, expected):
    assert get_spec(model).resolve_precision("auto", device) == expected


def test_auto_follows_the_spec_and_named_precisions_are_checked():
    fp32_only = ModelSpec(id="strict", label="", summary="", precisions=Precisions(("fp32",)))
    no_bf16 = ModelSpec(id="nobf16", label="", summary="", precisions=Precisions(("fp32", "fp16")))
    for device in (T4, A100, H200, CPU_BF16, CPU_PLAIN):
        assert fp32_only.resolve_precision("auto", device) == "fp32"
    assert no_bf16.resolve_precision("auto", H200) == "fp16"
    assert no_bf16.resolve_precision("auto", CPU_BF16) == "fp32"
    with pytest.raises(ValueError, match="strict does not run in fp16"):
        fp32_only.resolve_precision("fp16", T4)
    # named precisions outside `auto` stay available
    named_only = ModelSpec(
        id="named", label="", summary="", precisions=Precisions(("fp32", "bf16", "fp16"), auto=("fp32", "fp16"))
    )
    assert named_only.resolve_precision("auto", H200) == "fp16"
    assert named_only.resolve_precision("bf16", H200) == "bf16"
    # BOPB does not offer bf16 at all (below 45 dB of fp32 even with its fp32 islands)
    with pytest.raises(ValueError, match="bopb does not run in bf16"):
        get_spec("bopb").resolve_precision("bf16", H200)


def test_every_spec_declares_its_precisions_and_islands():
    for model in ("realsr", "waifu2x", "bopb"):
        precisions = get_spec(model).precisions
        assert "fp32" in precisions.supported and "fp16" in precisions.for_auto()
    assert "squeeze-excitation means" in get_spec("waifu2x").precisions.islands
    assert "scratch detector" in get_spec("bopb").precisions.islands


def test_describe_device_on_cuda_reports_bf16_from_the_capability(monkeypatch):
    from types import SimpleNamespace

    from enhance.engine import device

    props = SimpleNamespace(name="Tesla T4", total_memory=15 << 30, major=7, minor=5)
    monkeypatch.setattr(torch.cuda, "get_device_properties", lambda d: props)
    info = device.describe_device(torch.device("cuda"))
    assert (info.kind, info.capability, info.bf16) == ("cuda", (7, 5), False)
    assert device.resolve_precision("auto", torch.device("cuda"), get_spec("realsr")) == "fp16"
    props.major, props.minor = 9, 0
    assert device.resolve_precision("auto", torch.device("cuda"), get_spec("realsr")) == "bf16"


def test_devices():
    assert resolve_device(None).type == "cpu"
    with pytest.raises(ValueError, match="use cpu or cuda"):
        resolve_device("tpu")
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="no CUDA GPU"):
            resolve_device("cuda")


@pytest.mark.parametrize(
    ("model", "options"),
    [("realsr", {}), ("waifu2x", {"style": "art", "scale": 2, "noise": 1}), ("waifu2x", {"style": "photo"})],
)
def test_bf16_close_to_fp32(engine, rng, model, options):
    img = random_image(rng, 24, 20)
    fp32 = run_enhancement(img, model, options, precision="fp32", tile_size=0)
    bf16 = run_enhancement(img, model, options, precision="bf16", tile_size=0)
    assert (fp32.precision, bf16.precision) == ("fp32", "bf16")
    assert psnr(np.asarray(bf16.image), np.asarray(fp32.image)) >= 45

"""Precision: auto resolution, and bf16 within 45 dB of fp32."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from enhance.engine import run_enhancement
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
    from enhance.engine.catalog.spec import DeviceInfo

    t4 = DeviceInfo("cuda", "Tesla T4", 16 << 30, (7, 5), bf16=False)
    monkeypatch.setattr(device, "describe_device", lambda d: t4 if d.type == "cuda" else DeviceInfo("cpu"))
    assert resolve_precision("auto", torch.device("cuda")) == "fp16"
    assert resolve_precision("FP32", cpu) == "fp32"
    with pytest.raises(ValueError, match="allowed: auto, fp32, bf16, fp16"):
        resolve_precision("int8", cpu)


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

"""BOPB in fp16 against fp32 on the test checkpoints, and bf16 refused.

No layer overflows; what is lost is rounding, amplified by the deep instance-normalised stacks
and, for scratch repair, by the attention's logits. The fp32 islands (catalog/bopb.py) keep the
encoder and the attention's inputs in fp32. Measured at 64 x 80 on the seed-1234 checkpoints,
fp16 against fp32, before -> after the islands: quality 46.8 -> 53.4 dB, scratches 40.4 -> 54.8 dB.
bf16 reaches only 38.9 / 40.8 dB with the same islands (and ~47 / ~45 dB in an emulation with
~30 % of the work in fp32), so BOPB does not offer it.
"""

from __future__ import annotations

import numpy as np
import pytest

from enhance.engine import enhance_image
from enhance.engine.catalog import get_spec
from enhance.engine.catalog.spec import DeviceInfo
from tests.engine.bopb.test_pipeline import _photo
from tests.engine.helpers import psnr

pytestmark = pytest.mark.engine

# fp16 convolutions on the CPU are slow: ~30 s per option at this size
SLOW = pytest.mark.slow


@SLOW
@pytest.mark.parametrize("options", [{}, {"scratches": True}], ids=["quality", "scratches"])
def test_fp16_matches_fp32(bopb_engine, options):
    img = _photo(64, 80, seed=11)
    fp32 = np.asarray(enhance_image(img, "bopb", dict(options, faces=False), precision="fp32"))
    fp16 = np.asarray(enhance_image(img, "bopb", dict(options, faces=False), precision="fp16"))
    assert psnr(fp16, fp32) >= 45


def test_bf16_is_refused(bopb_engine):
    with pytest.raises(ValueError, match="bopb does not run in bf16; allowed: auto, fp32, fp16"):
        enhance_image(_photo(16, 16), "bopb", {}, precision="bf16")


def test_auto_picks_fp16_on_any_gpu_and_fp32_on_the_cpu():
    spec = get_spec("bopb")
    assert spec.resolve_precision("auto", DeviceInfo("cuda", capability=(9, 0), bf16=True)) == "fp16"
    assert spec.resolve_precision("auto", DeviceInfo("cuda", capability=(7, 5))) == "fp16"
    assert spec.resolve_precision("auto", DeviceInfo("cpu", bf16=True)) == "fp32"

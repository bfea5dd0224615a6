"""fp16 and bf16 against fp32 for every SR model and option, at least 45 dB.

fp16 on the CPU goes through PyTorch's (emulated, slow) kernels, bf16 through the engine's own
Winograd kernels where the CPU has AVX-512 BF16 (RESTORE_FAST_CONV=1, the default) and oneDNN
otherwise: both number formats are exercised as a GPU would use them. The fast cases use the
smallest inputs that still overflowed fp16 before the waifu2x squeeze-excitation mean was taken
in fp32 (a per-channel sum above 65,504: art 2x from 128 px, art 1x from about 256 px); the slow
ones run at the production tile sizes (waifu2x 400 px, RealSR 256 px, the CUDA tiles).
"""

from __future__ import annotations

import numpy as np
import pytest

from enhance.engine import run_enhancement
from tests.engine.helpers import psnr, random_image

pytestmark = pytest.mark.engine

ART_2X = {"style": "art", "scale": 2, "noise": 0}
ART_1X = {"style": "art", "scale": 1, "noise": 1}
ART_4X = {"style": "art", "scale": 4, "noise": -1}
PHOTO_2X = {"style": "photo", "scale": 2, "noise": 1}
PHOTO_4X = {"style": "photo", "scale": 4, "noise": -1}


def _parity(rng, model, options, size, tile, precision) -> float:
    img = random_image(rng, *size)
    fp32 = run_enhancement(img, model, options, precision="fp32", tile_size=tile)
    low = run_enhancement(img, model, options, precision=precision, tile_size=tile)
    assert low.precision == precision
    return psnr(np.asarray(low.image), np.asarray(fp32.image))


@pytest.mark.parametrize("precision", ["fp16", "bf16"])
@pytest.mark.parametrize(
    ("model", "options", "size"),
    [
        ("waifu2x", ART_2X, (136, 136)),  # per-channel SE sum ~69,000 at 128 px: past fp16
        ("waifu2x", ART_1X, (264, 264)),
        ("waifu2x", ART_4X, (80, 80)),  # the second pass sees 160 px
        ("waifu2x", PHOTO_2X, (96, 80)),
        ("waifu2x", PHOTO_4X, (64, 48)),
        # RRDBNet in emulated fp16 takes over a minute on a shared CPU even this small
        pytest.param("realsr", {}, (40, 36), marks=pytest.mark.slow),
    ],
)
def test_low_precision_matches_fp32(engine, rng, model, options, size, precision):
    assert _parity(rng, model, options, size, 0, precision) >= 45


@pytest.mark.slow
@pytest.mark.parametrize("precision", ["fp16", "bf16"])
@pytest.mark.parametrize(
    ("model", "options", "size", "tile"),
    [
        ("waifu2x", ART_2X, (416, 208), 400),
        ("waifu2x", ART_1X, (416, 208), 400),
        ("waifu2x", ART_4X, (216, 112), 400),  # second pass: 432 x 224 in tiles of 400
        ("waifu2x", PHOTO_2X, (416, 208), 400),
        ("waifu2x", PHOTO_4X, (216, 112), 400),
        ("realsr", {}, (264, 72), 256),
    ],
)
def test_low_precision_matches_fp32_at_production_tiles(engine, rng, model, options, size, tile, precision):
    assert _parity(rng, model, options, size, tile, precision) >= 45

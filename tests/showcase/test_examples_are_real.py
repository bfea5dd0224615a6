"""The landing page's "after" crops are what our models make: regenerating one with
build_examples (the real weights, through `manage.py enhance`) gives the committed picture back."""

from pathlib import Path

import numpy as np
import pytest
from django.core.management import call_command
from PIL import Image

from showcase.samples import EXAMPLES_DIR, get_sample

pytestmark = pytest.mark.slow


def _psnr(a: Path, b: Path) -> float:
    x = np.asarray(Image.open(a).convert("RGB"), dtype=np.float64)
    y = np.asarray(Image.open(b).convert("RGB"), dtype=np.float64)
    assert x.shape == y.shape
    mse = float(np.mean((x - y) ** 2))
    return 99.0 if mse == 0 else 10 * np.log10(255.0**2 / mse)


def test_regenerating_an_example_gives_the_committed_crops(tmp_path, shared_weights_dir):
    sample = get_sample("horse")  # waifu2x: the quickest of the samples on a CPU
    call_command("build_examples", "--only", sample.slug, "--out", str(tmp_path))
    for name in (Path(sample.before_static).name, Path(sample.after_static).name):
        # JPEG re-encoding and fp32/bf16 CPU kernels differ in the last bits only.
        assert _psnr(tmp_path / name, EXAMPLES_DIR / name) > 35, name
    # The model did something: the result is not the resized input.
    assert _psnr(tmp_path / Path(sample.after_static).name, tmp_path / Path(sample.before_static).name) < 30

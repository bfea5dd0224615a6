"""Every BOPB network exposes exactly the official tensor names, shapes and dtypes, so official
checkpoints load with strict=True."""

from __future__ import annotations

import pytest
import torch

from enhance.engine.weights.importers.bopb import reference_tensors
from enhance.engine.weights.importers.bopb_layout import WEIGHT_FILES

pytestmark = pytest.mark.engine


@pytest.mark.parametrize("spec", WEIGHT_FILES, ids=lambda spec: spec.official)
def test_state_dict_matches_official_reference(spec):
    with torch.device("meta"):
        net = spec.build()
    got = {name: (tuple(t.shape), str(t.dtype).removeprefix("torch.")) for name, t in net.state_dict().items()}
    assert got == reference_tensors()[spec.official]


def test_reference_lists_exactly_the_seven_stage1_files():
    assert sorted(reference_tensors()) == sorted(spec.official for spec in WEIGHT_FILES)


def test_shapes_flow_for_odd_latents():
    from enhance.engine.archs.bopb import QualityMapping, VaeGenerator

    vae = VaeGenerator().eval()
    with torch.no_grad():
        latent = vae.encode(torch.zeros(1, 3, 44, 36))
        assert latent.shape == (1, 64, 11, 9)
        assert QualityMapping().eval()(latent).shape == latent.shape
        assert vae.decode(latent).shape == (1, 3, 44, 36)

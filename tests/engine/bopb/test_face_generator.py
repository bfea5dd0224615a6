"""BOPB stage 3, the face generator, against the official SPADEGenerator.

The expected images were made by running the official models/networks/generator.py (eval mode,
test_face.py's options, its save_image rounding) beside the project on the committed aligned
faces, with the official-layout checkpoint that face_checkpoints.seeded_face_state writes for
the same seed. The small nets (ngf=8) keep the default suite fast; the full-size check is slow."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image

from enhance.engine.archs.bopb.face_generator import FaceGenerator
from enhance.engine.pipelines.bopb_face_network import enhance_faces
from enhance.engine.weights.importers.bopb_faces import fold_spectral_norm, reference_tensors
from enhance.engine.weights.importers.bopb_faces_layout import WEIGHT_FILES
from tests.engine.bopb.face_checkpoints import seeded_face_state
from tests.engine.bopb.face_helpers import FIXTURES, as_batch, as_image_array, cpu_context, load_rgb, psnr

pytestmark = pytest.mark.engine

TINY_SEED, TINY_NGF = 13, 8


def small_face():
    """A 64 x 64 face (any multiple of 32 runs): the checks that need no official image stay fast."""
    return np.asarray(Image.open(FIXTURES / "aligned_256.png").convert("RGB").resize((64, 64), Image.BICUBIC))


@pytest.fixture(scope="module")
def tiny_net():
    net = FaceGenerator(TINY_NGF)
    net.load_state_dict(fold_spectral_norm(seeded_face_state(TINY_SEED, TINY_NGF)), strict=True)
    return net.eval().requires_grad_(False)


@pytest.mark.parametrize("size", [256, pytest.param(512, marks=pytest.mark.slow)])
def test_small_generator_matches_the_official_one(tiny_net, size):
    face = as_batch(load_rgb(f"aligned_{size}.png"))
    with torch.inference_mode():
        got = as_image_array(enhance_faces(tiny_net, face, cpu_context()))
    expected = load_rgb(f"expected_tiny_{size}.png")
    assert got.shape == expected.shape
    assert psnr(got, expected) >= 50


@pytest.mark.parametrize("precision", ["bf16", "fp16"])
def test_half_precisions_match_fp32(tiny_net, precision):
    face = as_batch(small_face())
    with torch.inference_mode():
        reference = as_image_array(enhance_faces(tiny_net, face, cpu_context()))
        dtype = {"bf16": torch.bfloat16, "fp16": torch.float16}[precision]
        half = FaceGenerator(TINY_NGF).eval()
        half.load_state_dict(tiny_net.state_dict())
        got = as_image_array(enhance_faces(half.to(dtype), face, cpu_context(precision=precision)))
    assert psnr(got, reference) >= 45


def test_batches_give_the_same_faces_as_one_by_one(tiny_net):
    face = small_face()[::2, ::2]  # 32 x 32: five faces, a full batch of 4 and a batch of 1
    faces = torch.cat([as_batch(face), as_batch(face[:, ::-1]), as_batch(face[::-1]), as_batch(255 - face)] * 2)[:5]
    seen = []
    with torch.inference_mode():
        together = enhance_faces(tiny_net, faces, cpu_context(), on_face=lambda done, total: seen.append(done))
        alone = torch.cat([enhance_faces(tiny_net, faces[i : i + 1], cpu_context()) for i in range(len(faces))])
    assert seen == [4, 5]  # the official batch of 4
    assert (together.int() - alone.int()).abs().max() <= 1


def test_folding_equals_torch_spectral_norm_in_eval():
    state = seeded_face_state(3, TINY_NGF, power_iterations=2)
    folded = fold_spectral_norm(state)
    stem = "up_0.conv_0"
    conv = torch.nn.Conv2d(*state[f"{stem}.weight_orig"].shape[1::-1], 3, padding=1)
    conv = torch.nn.utils.spectral_norm(conv)
    conv.load_state_dict({k.removeprefix(f"{stem}."): v for k, v in state.items() if k.startswith(f"{stem}.")})
    conv.eval()
    x = torch.randn(1, conv.in_channels, 6, 6)
    plain = torch.nn.functional.conv2d(x, folded[f"{stem}.weight"], folded[f"{stem}.bias"], padding=1)
    assert torch.allclose(conv(x), plain, atol=1e-5)


def test_full_size_generator_takes_the_folded_fact_sheet():
    with torch.device("meta"):
        net = FaceGenerator()
    ours = {name: tuple(t.shape) for name, t in net.state_dict().items()}
    for spec in WEIGHT_FILES:
        official = reference_tensors()[spec.official]
        meta = {name: torch.empty(shape, device="meta") for name, (shape, _) in official.items()}
        folded = {}
        for name, tensor in meta.items():  # the same renaming fold_spectral_norm does, on shapes only
            if name.endswith((".weight_u", ".weight_v", ".num_batches_tracked")):
                continue
            folded[name.replace(".weight_orig", ".weight")] = tuple(tensor.shape)
        assert folded == ours

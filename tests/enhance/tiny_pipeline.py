"""A model that exists only in the tests: a one-convolution network (3 -> 12 channels, then a
pixel shuffle) that doubles the size, optionally inverting the colours. Its spec and pipeline
are built here and registered at run time, to show that a new model reaches the product
through the catalogue alone."""

from pathlib import Path

import numpy as np
import torch
from PIL import Image

from enhance.engine.catalog.spec import Choice, ModelSpec, Option, Precisions, Stage, Use

SPEC = ModelSpec(
    id="tiny",
    label="Tiny test model",
    summary="Doubles the size; inverts the colours if asked.",
    options=(
        Option("invert", "Invert colours", (Choice(False, "No"), Choice(True, "Yes")), default=False, kind="bool"),
    ),
    scale=lambda options: 2,
    precisions=Precisions(("fp32",)),
    stages=(Stage("tiny: convolving", "Convolving"),),
    uses=(Use("sr"),),
    runner="tests.enhance.tiny_pipeline:PIPELINE",
)


def build_network(invert: bool) -> torch.nn.Module:
    """Each output pixel of the 2x2 block copies its input pixel (or 255 minus it)."""
    conv = torch.nn.Conv2d(3, 12, kernel_size=1)
    with torch.no_grad():
        conv.weight.zero_()
        conv.bias.fill_(1.0 if invert else 0.0)
        for out_channel in range(12):  # PixelShuffle reads channel c*4 + k as sub-pixel k of colour c
            conv.weight[out_channel, out_channel // 4, 0, 0] = -1.0 if invert else 1.0
    return torch.nn.Sequential(conv, torch.nn.PixelShuffle(2)).eval()


class TinyPipeline:
    spec = SPEC

    def weights_status(self, weights_dir: Path) -> tuple[bool, str]:
        return True, ""  # its weights are made in build_network

    def run(self, img: Image.Image, options: dict, ctx) -> Image.Image:
        invert = options["invert"]
        network = ctx.network(f"tiny-invert={invert}", lambda: build_network(invert).to(ctx.device))
        pixels = torch.from_numpy(np.asarray(img, dtype=np.float32) / 255.0).permute(2, 0, 1)[None]
        ctx.report(0.5, "tiny: convolving")
        out = network(pixels.to(ctx.device))[0].clamp(0, 1).permute(1, 2, 0).cpu().numpy()
        return Image.fromarray((out * 255.0).round().astype(np.uint8), "RGB")


PIPELINE = TinyPipeline()

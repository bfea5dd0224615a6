"""Real-ESRGAN: x4plus (general photos, RRDBNet 23 blocks), x4plus-anime (illustrations,
RRDBNet 6 blocks) and animevideov3 (SRVGGNetCompact, x2/x3/x4). The RRDBNet variants are
the RealSR network with other weights; the compact network's x2/x3 are its x4 output
resized down bicubically, as in the packaged ncnn graphs.

Both networks zero-pad themselves, so tiles take their overlap from real image content. The
input reaches the networks in fp32 so the compact net's residual base image is exact at
every precision, and the RRDBNets' first convolution runs in fp32 on it."""

from __future__ import annotations

from pathlib import Path

import torch
from PIL import Image

from enhance.engine.archs.srvgg import SRVGGNetCompact
from enhance.engine.catalog import realesrgan as catalog_realesrgan
from enhance.engine.context import RunContext
from enhance.engine.pipelines.common import (
    image_to_tensor,
    output_buffer,
    prepare_network,
    tensor_to_image,
    tile_function,
)
from enhance.engine.tiling import run_tiled
from enhance.engine.weights import builtin, store

# LR pixels. The GAN-trained RRDBNets reach much further than RealSR's (16 px there).
# x4plus-anime, 72x64 input in 24 px tiles: 16 px of real context gave 20 dB against the
# whole image, 24 px 38 dB, 32 px 53 dB. x4plus, 170x140 input at the 128 px CPU tile:
# 32 px 30.7 dB, 48 px 36.4 dB, 64 px >= 40 dB; an interior tile then costs
# (128+128)^2 / 128^2 = 4x its pixels (see docs/benchmarks.md). The compact net's receptive
# field is 18 px per side (18 3x3 convolutions) plus the bicubic taps, so 20 px makes its
# tiles match the whole image to rounding.
TILE = {"rrdbnet": {"cpu": 128, "cuda": 256}, "srvgg": {"cpu": 512, "cuda": 512}}
OVERLAP = {"x4plus": 64, "x4plus-anime": 32, "animevideov3": 20}


def weight_file(variant: str) -> str:
    return f"{variant}.safetensors"


def network_family(variant: str) -> str:
    return "srvgg" if variant == "animevideov3" else "rrdbnet"


class RealESRGANPipeline:
    spec = catalog_realesrgan.SPEC

    def weights_status(self, weights_dir: Path) -> tuple[bool, str]:
        # Any variant installed counts: one imported from a checkpoint without the package is usable,
        # and running a variant that is missing raises WeightsMissingError naming the command.
        if any(store.has_files(weights_dir, builtin.REALESRGAN_DIR, [name]) for name in builtin.realesrgan_catalogue()):
            return True, ""
        if builtin.can_import("realesrgan"):
            return True, ""  # imported from the installed package on first use
        return False, f"Real-ESRGAN weights are not installed; run: {builtin.IMPORT_COMMAND}"

    def network(self, variant: str, scale: int, ctx: RunContext) -> torch.nn.Module:
        filename = weight_file(variant)

        def build():
            builtin.ensure_imported("realesrgan", ctx.weights_dir, [filename])
            kind = builtin.realesrgan_catalogue()[filename][1]
            state = store.load_file(ctx.weights_dir, builtin.REALESRGAN_DIR, filename)
            if kind == "srvgg":
                return prepare_network(lambda: SRVGGNetCompact(out_scale=scale), state, ctx)
            # The first conv sees the exact input in fp32: rounding the pixels to bf16 alone
            # costs about 9 dB on these GAN-trained weights (44 dB instead of 53 against fp32).
            return prepare_network(lambda: builtin.realesrgan_network(kind), state, ctx, fp32_modules=("conv_first",))

        return ctx.network(f"realesrgan/{variant}/x{scale}", build)

    def run(self, img: Image.Image, options: dict, ctx: RunContext) -> Image.Image:
        options = self.spec.validate_options(options)
        variant, scale = options["variant"], options["scale"]
        family = network_family(variant)
        net = self.network(variant, scale, ctx)
        tile = TILE[family].get(ctx.device.type, 128) if ctx.tile_size is None else ctx.tile_size
        out = run_tiled(
            tile_function(net, ctx, scale=scale, input_dtype=torch.float32),
            image_to_tensor(img),
            scale=scale,
            tile=tile,
            overlap=OVERLAP[variant],
            out=output_buffer(img.height * scale, img.width * scale),
            progress=ctx.report,
            should_cancel=ctx.should_cancel,
            stage="realesrgan",
        )
        return tensor_to_image(out)


PIPELINE = RealESRGANPipeline()

"""waifu2x: art (CUNet 1x / UpCUNet 2x) and photo (UpConv7 2x), noise -1..3, scale 1|2|4.

The input is replicate-padded by the network's prepadding (7 UpConv7, 18 UpCUNet, 28 CUNet)
as waifu2x-ncnn-vulkan does, and CUNet inputs are aligned by replicating the last row/column.
Scale 4 is two 2x passes; the noise model runs in the first pass only (the second starts
from an already denoised image)."""

from __future__ import annotations

from pathlib import Path

from PIL import Image

from enhance.engine.archs import waifu2x as arch
from enhance.engine.catalog import waifu2x as catalog_waifu2x
from enhance.engine.context import RunContext
from enhance.engine.pipelines.common import (
    edge_pad,
    image_to_tensor,
    output_buffer,
    prepare_network,
    tensor_to_image,
    tile_function,
)
from enhance.engine.tiling import run_tiled
from enhance.engine.weights import builtin, store

TILE = {"cpu": 512, "cuda": 400}
# Extra real context per tile side beyond the prepadding. UpConv7 is exactly local (0 is seamless);
# CUNet's squeeze-excitation blocks pool over the whole tile, so tiles see some more of the image.
OVERLAP = {"upconv7": 0, "cunet": 16, "upcunet": 16}


def weight_file(style: str, scale: int, noise: int) -> str:
    suffix = "" if noise < 0 else f"_noise{noise}"
    return f"{style}_{scale}x{suffix}.safetensors"


class Waifu2xPipeline:
    spec = catalog_waifu2x.SPEC

    def weights_status(self, weights_dir: Path) -> tuple[bool, str]:
        if store.has_files(weights_dir, builtin.WAIFU2X_DIR, list(builtin.waifu2x_catalogue())):
            return True, ""
        if builtin.can_import("waifu2x"):
            return True, ""  # imported from the installed package on first use
        return False, f"waifu2x weights are not installed; run: {builtin.IMPORT_COMMAND}"

    def passes(self, options: dict) -> list[str]:
        style, scale, noise = options["style"], options["scale"], options["noise"]
        if scale == 1:
            return [weight_file(style, 1, noise)]
        if scale == 2:
            return [weight_file(style, 2, noise)]
        return [weight_file(style, 2, noise), weight_file(style, 2, -1)]

    def network(self, filename: str, ctx: RunContext):
        def build():
            builtin.ensure_imported("waifu2x", ctx.weights_dir, [filename])
            kind = builtin.waifu2x_catalogue()[filename][1]
            state = store.load_file(ctx.weights_dir, builtin.WAIFU2X_DIR, filename)
            return prepare_network(lambda: arch.build(kind), state, ctx)

        return ctx.network(f"waifu2x/{filename}", build)

    def run(self, img: Image.Image, options: dict, ctx: RunContext) -> Image.Image:
        files = self.passes(options)
        current = image_to_tensor(img)
        tile = TILE.get(ctx.device.type, 256) if ctx.tile_size is None else ctx.tile_size
        for index, filename in enumerate(files):
            net = self.network(filename, ctx)
            pad = net.prepadding
            kind = builtin.waifu2x_catalogue()[filename][1]

            def report(fraction: float, stage: str, index=index) -> None:
                ctx.report((index + fraction) / len(files), stage)

            current = run_tiled(
                tile_function(net, ctx, align=net.align, context=pad, scale=net.scale),
                edge_pad(current, pad, pad, pad, pad),
                scale=net.scale,
                tile=tile,
                context=pad,
                overlap=OVERLAP[kind],
                align=net.align,
                out=output_buffer(current.shape[2] * net.scale, current.shape[3] * net.scale),
                progress=report,
                should_cancel=ctx.should_cancel,
                stage=f"waifu2x pass {index + 1}/{len(files)}",
                memory_key=f"waifu2x/{kind}@{ctx.device}/{ctx.precision}",
                device=ctx.device,
            )
        return tensor_to_image(current)


PIPELINE = Waifu2xPipeline()

"""RealSR DF2K x4 (RRDBNet). The network runs with its own zero padding as the official
test code does; tiles take their overlap from real image content."""

from __future__ import annotations

from pathlib import Path

from PIL import Image

from enhance.engine.archs.rrdbnet import RRDBNet
from enhance.engine.catalog import realsr as catalog_realsr
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

# LR pixels. 16 px of real context per side keeps tiles within 40 dB of the whole-image result.
TILE = {"cpu": 128, "cuda": 256}
OVERLAP = 16


class RealSRPipeline:
    spec = catalog_realsr.SPEC
    scale = 4

    def weights_status(self, weights_dir: Path) -> tuple[bool, str]:
        if store.has_files(weights_dir, builtin.REALSR_DIR, [builtin.REALSR_FILE]):
            return True, ""
        if builtin.can_import("realsr"):
            return True, ""  # imported from the installed package on first use
        return False, f"RealSR weights are not installed; run: {builtin.IMPORT_COMMAND}"

    def network(self, ctx: RunContext):
        def build():
            builtin.ensure_imported("realsr", ctx.weights_dir, [builtin.REALSR_FILE])
            state = store.load_file(ctx.weights_dir, builtin.REALSR_DIR, builtin.REALSR_FILE)
            return prepare_network(RRDBNet, state, ctx)

        return ctx.network("realsr", build)

    def run(self, img: Image.Image, options: dict, ctx: RunContext) -> Image.Image:
        net = self.network(ctx)
        tile = TILE.get(ctx.device.type, 128) if ctx.tile_size is None else ctx.tile_size
        out = run_tiled(
            tile_function(net, ctx, scale=self.scale),
            image_to_tensor(img),
            scale=self.scale,
            tile=tile,
            overlap=OVERLAP,
            out=output_buffer(img.height * self.scale, img.width * self.scale),
            progress=ctx.report,
            should_cancel=ctx.should_cancel,
            stage="realsr",
            memory_key=f"realsr@{ctx.device}/{ctx.precision}",
            device=ctx.device,
        )
        return tensor_to_image(out)


PIPELINE = RealSRPipeline()

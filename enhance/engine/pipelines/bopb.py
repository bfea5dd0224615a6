"""Bringing Old Photos Back to Life: stage 1, old-photo restoration with and without scratches,
then (option `faces`) stages 2-4, faces found, restored and blended back (pipelines/bopb_faces.py).

quality:   encode (VAE A) -> quality mapping -> decode (VAE B quality)
scratches: detect scratches -> whiten them -> encode (VAE A) -> masked non-local mapping
           (hr: dilated mask and multi-scale patch attention) -> decode (VAE B scratch)

A photo runs whole on the CPU; on CUDA one larger than the tile its free memory allows runs layer
by layer over tiles with the same result (bopb_tiled.py). The non-local mapping's attention spans
the entire photo, so it stays whole, in bounded memory (archs/bopb/attention.py) and under the
per-device pixel cap (catalog/bopb.py).
"""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

import torch
from PIL import Image
from torch import nn

from enhance.engine.archs.bopb.precision import to_precision
from enhance.engine.catalog import bopb as catalog_bopb
from enhance.engine.context import RunContext
from enhance.engine.errors import DeviceMemoryError, WeightsMissingError
from enhance.engine.pipelines import bopb_stages as stages
from enhance.engine.pipelines import bopb_tiled as tiled
from enhance.engine.pipelines.bopb_faces import TURNED_OFF, run_face_stages
from enhance.engine.weights import store
from enhance.engine.weights.importers.bopb_faces_layout import IMPORT_COMMAND as FACES_IMPORT_COMMAND
from enhance.engine.weights.importers.bopb_faces_layout import face_enhancement_enabled
from enhance.engine.weights.importers.bopb_faces_layout import weights_status as face_weights_status
from enhance.engine.weights.importers.bopb_layout import BY_CANONICAL, CANONICAL_FILES, IMPORT_COMMAND, MODEL_DIR


def _scaled(progress, share: float):
    def report(fraction: float, stage: str) -> None:
        progress(fraction * share, stage)

    return report


class BopbPipeline:
    spec = catalog_bopb.SPEC

    @staticmethod
    def resolve_faces(requested: bool | None, weights_dir: Path) -> bool:
        """The `faces` option on this worker: None (not asked) runs stages 2-4 whenever they can
        run here, as the official pipeline always does; asked for explicitly, they must run."""
        if requested is None:
            return face_enhancement_enabled() and face_weights_status(weights_dir)[0]
        if requested and not face_enhancement_enabled():
            raise ValueError(TURNED_OFF)
        return requested

    def weights_status(self, weights_dir: Path) -> tuple[bool, str]:
        if store.has_files(weights_dir, MODEL_DIR, CANONICAL_FILES):
            return True, ""
        return False, f"Old photo restoration weights are not installed; run: {IMPORT_COMMAND}"

    def network(self, canonical: str, ctx: RunContext, dtype: torch.dtype | None = None) -> nn.Module:
        dtype = dtype or ctx.dtype

        def build() -> nn.Module:
            spec = BY_CANONICAL[canonical]
            try:
                state = store.load_file(ctx.weights_dir, MODEL_DIR, canonical)
            except FileNotFoundError as exc:
                raise WeightsMissingError(self.spec.id, IMPORT_COMMAND, f"{canonical} is missing") from exc
            with torch.device("meta"):  # skip the random init: every tensor comes from the file
                net = spec.build()
            net.load_state_dict(state, strict=True, assign=True)
            # the network's fp32 islands stay fp32 (archs/bopb/precision.py)
            return to_precision(net.eval().requires_grad_(False), dtype).to(ctx.device)

        return ctx.network(f"bopb/{canonical}/{dtype}", build)

    def run(self, img: Image.Image, options: dict, ctx: RunContext) -> Image.Image:
        opts = self.spec.validate_options(options)
        if not self.weights_status(ctx.weights_dir)[0]:
            raise WeightsMissingError(self.spec.id, IMPORT_COMMAND)
        opts["faces"] = self.resolve_faces(opts["faces"], ctx.weights_dir)
        if opts["faces"]:
            ready, reason = face_weights_status(ctx.weights_dir)
            if not ready:
                raise WeightsMissingError(self.spec.id, FACES_IMPORT_COMMAND, reason)
        # stage 1 reports over [0, 1]; with faces it is squeezed into the first 70 %
        stage1_ctx = replace(ctx, progress=_scaled(ctx.progress, 0.7)) if opts["faces"] else ctx
        with torch.inference_mode():
            out = self._stage_one(img, opts, stage1_ctx)
            restored = stages.uint8_to_image(out)
            del out
            if opts["faces"]:
                ctx.check_cancel()
                restored = run_face_stages(restored, opts["hr"], ctx, 0.7, 1.0)
        ctx.report(1.0, "bopb: done")
        return restored

    def _stage_one(self, img: Image.Image, opts: dict, ctx: RunContext) -> torch.Tensor:
        failed = False
        try:
            if opts["scratches"]:
                return self._restore_scratched(img, opts["hr"], ctx)
            return self._restore_quality(img, ctx)
        except torch.cuda.OutOfMemoryError:
            # even the smallest tile did not fit (the tiler halves it down to that first)
            failed = True
        if failed:
            tiled.release(ctx.device)
            raise DeviceMemoryError(catalog_bopb.TOO_LARGE_FOR_DEVICE)

    def _restore_quality(self, img: Image.Image, ctx: RunContext) -> torch.Tensor:
        ctx.report(0.0, "bopb: loading networks")
        encoder = self.network("vae_a_quality.safetensors", ctx)
        mapping = self.network("mapping_quality.safetensors", ctx)
        decoder = self.network("vae_b_quality.safetensors", ctx)
        image = stages.image_to_uint8(img)
        height, width = image.shape[2:]
        canvas = stages.reflect_pad(image, *self._pads(height, width, 4))
        ctx.check_cancel()

        def in_tiles(tile: int) -> torch.Tensor:
            restored = tiled.restore_quality(
                encoder, mapping, decoder, stages.normalise(canvas), ctx, tile
            )
            return stages.stretch_to_uint8(restored[:, :, :height, :width])

        return tiled.whole_or_tiled(
            ctx,
            *canvas.shape[2:],
            lambda: self._quality_whole(encoder, mapping, decoder, canvas, height, width, ctx),
            in_tiles,
        )

    def _quality_whole(self, encoder, mapping, decoder, canvas, height: int, width: int, ctx) -> torch.Tensor:
        ctx.report(0.05, "bopb: encoding")
        latent = encoder.encode(stages.normalise(canvas).to(ctx.device))  # the encoder is an fp32 island
        ctx.check_cancel()
        ctx.report(0.2, "bopb: restoring")
        latent = mapping(latent, self._progress_hook(ctx, 0.2, 0.7, "bopb: restoring"))
        ctx.check_cancel()
        ctx.report(0.7, "bopb: decoding")
        restored = decoder.decode(latent)
        del latent
        return stages.stretch_to_uint8(restored[:, :, :height, :width]).cpu()

    def _restore_scratched(self, img: Image.Image, hr: bool, ctx: RunContext) -> torch.Tensor:
        stages.check_detectable(img.height, img.width)
        ctx.report(0.0, "bopb: loading networks")
        # The detector decides a binary mask by threshold: run it in fp32 whatever the precision.
        detector = self.network("detection.safetensors", ctx, torch.float32)
        encoder = self.network("vae_a_quality.safetensors", ctx)
        mapping_file = "mapping_patch_attention.safetensors" if hr else "mapping_scratch.safetensors"
        mapping = self.network(mapping_file, ctx)
        decoder = self.network("vae_b_scratch.safetensors", ctx)

        image = stages.image_to_uint8(img)
        height, width = image.shape[2:]
        bottom, right = self._pads(height, width, 16)
        canvas = stages.reflect_pad(image, bottom, right)
        gray = stages.reflect_pad(stages.image_to_uint8(img.convert("L")), bottom, right)
        ctx.check_cancel()
        ctx.report(0.02, "bopb: detecting scratches")
        mask = stages.detect_scratches(detector, gray)
        del gray
        if hr:
            mask = stages.dilate(mask, stages.HR_MASK_DILATION)
        canvas = stages.whiten_scratches(canvas, mask.cpu())
        ctx.check_cancel()
        mask = mask.to(ctx.device)

        def whole() -> torch.Tensor:
            return self._scratched_whole(encoder, mapping, decoder, canvas, mask, height, width, ctx)

        def in_tiles(tile: int) -> torch.Tensor:
            image = stages.normalise(canvas)
            # the tiled passes report progress; the attention's blocks are cancellation points
            restored = tiled.restore_scratched(
                encoder, mapping, decoder, image, mask, hr, ctx, tile, lambda done, total: ctx.check_cancel()
            )
            return stages.stretch_to_uint8(restored[:, :, :height, :width])

        return tiled.whole_or_tiled(ctx, *canvas.shape[2:], whole, in_tiles)

    def _scratched_whole(self, encoder, mapping, decoder, canvas, mask, height: int, width: int, ctx) -> torch.Tensor:
        ctx.report(0.1, "bopb: encoding")
        latent = encoder.encode(stages.normalise(canvas).to(ctx.device))  # the encoder is an fp32 island
        del canvas
        ctx.check_cancel()
        ctx.report(0.2, "bopb: repairing scratches")
        on_chunk = self._progress_hook(ctx, 0.2, 0.8, "bopb: repairing scratches")
        latent = mapping(latent, mask, on_chunk)
        ctx.check_cancel()
        ctx.report(0.85, "bopb: decoding")
        restored = decoder.decode(latent)
        del latent
        return stages.stretch_to_uint8(restored[:, :, :height, :width]).cpu()

    @staticmethod
    def _progress_hook(ctx: RunContext, start: float, end: float, stage: str):
        """(done, total) callback for long network passes: cancellation point and progress, passed on
        at most about once a second (a large photo calls back hundreds of times; the job's hooks may
        touch the database) and always at the end."""
        last_call = [time.monotonic()]

        def hook(done: int, total: int) -> None:
            now = time.monotonic()
            if now - last_call[0] < 1.0 and done < total:
                return
            last_call[0] = now
            ctx.check_cancel()
            ctx.report(start + (end - start) * done / max(total, 1), stage)

        return hook

    @staticmethod
    def _pads(height: int, width: int, multiple: int) -> tuple[int, int]:
        padded_h, padded_w = stages.padded_size(height, width, multiple)
        return padded_h - height, padded_w - width


PIPELINE = BopbPipeline()

"""Public entry points: enhance_image / run_enhancement, available_models, validate_options,
output_size. Pure PyTorch + Pillow; defaults come from config.configure(), which Django
calls from AppConfig.ready."""

from __future__ import annotations

import contextlib
import gc
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import torch
from PIL import Image

from enhance.engine import modes
from enhance.engine.cache import NETWORKS
from enhance.engine.catalog import all_specs, get_spec
from enhance.engine.config import default_device, default_weights_dir
from enhance.engine.context import ModelInfo, RunContext
from enhance.engine.device import resolve_device, resolve_precision
from enhance.engine.errors import WeightsMissingError
from enhance.engine.registry import get_pipeline


@dataclass
class EnhanceResult:
    image: Image.Image
    device: str
    precision: str
    seconds: float


def validate_options(model: str, options: dict | None) -> dict:
    return get_spec(model).validate_options(options)


def output_size(model: str, width: int, height: int, options: dict | None = None) -> tuple[int, int]:
    return get_spec(model).output_size(width, height, options)


def available_models(weights_dir: Path | str | None = None) -> list[ModelInfo]:
    """Every catalogued model and whether this host can run it (weights on this host's disk):
    a worker's view. Web hosts read the workers' capability records instead."""
    folder = Path(weights_dir) if weights_dir is not None else default_weights_dir()
    infos = []
    for spec in all_specs():
        available, reason = get_pipeline(spec.id).weights_status(folder)
        infos.append(ModelInfo(spec.id, spec.label, available, reason, spec.options, spec))
    return infos


def _missing(model_id: str, reason: str) -> WeightsMissingError:
    command = reason.split("run:", 1)[1].strip() if "run:" in reason else f"python manage.py import_weights {model_id}"
    return WeightsMissingError(model_id, command)


def _sub_progress(progress: Callable[[float, str], None] | None, start: float, end: float):
    def report(fraction: float, stage: str) -> None:
        if progress is not None:
            progress(start + (end - start) * fraction, stage)

    return report


@contextlib.contextmanager
def collector_paused():
    # A job allocates few reference cycles but many short-lived objects (tensors, ctypes
    # argument blocks); in a worker that has Django loaded, the cyclic collector they
    # trigger cost about 5% of a waifu2x run. Reference counting still frees everything.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def run_enhancement(
    img: Image.Image,
    model: str,
    options: dict | None = None,
    *,
    precision: str = "auto",
    tile_size: int | None = None,
    device: str | None = None,
    progress: Callable[[float, str], None] | None = None,
    should_cancel: Callable[[], bool] | None = None,
) -> EnhanceResult:
    started = time.perf_counter()
    pipeline = get_pipeline(model)
    opts = pipeline.spec.validate_options(options)
    resolved_device = resolve_device(device or default_device())
    resolved_precision = resolve_precision(precision, resolved_device, pipeline.spec)
    if tile_size is not None and (not isinstance(tile_size, int) or tile_size < 0):
        raise ValueError(f"tile_size must be None, 0 (whole image) or a positive number of pixels; got {tile_size!r}")
    prepared = modes.prepare(img)
    weights_dir = default_weights_dir()
    available, reason = pipeline.weights_status(weights_dir)
    if not available:
        raise _missing(pipeline.spec.id, reason)

    def context(report) -> RunContext:
        kwargs = {"progress": report}
        if should_cancel is not None:
            kwargs["should_cancel"] = should_cancel
        return RunContext(
            device=resolved_device,
            precision=resolved_precision,
            tile_size=tile_size,
            weights_dir=weights_dir,
            # weights_dir in the key: two folders (tests, re-imports elsewhere) never share a network
            get_network=lambda key, build: NETWORKS.get(f"{weights_dir}|{key}", build),
            **kwargs,
        )

    same_size = pipeline.spec.output_size(img.width, img.height, opts) == (img.width, img.height)
    alpha_needs_network = prepared.alpha is not None and not same_size and modes.constant_alpha(prepared.alpha) is None
    split = 0.5 if alpha_needs_network else 1.0
    with torch.inference_mode(), collector_paused():
        rgb_out = pipeline.run(prepared.rgb, opts, context(_sub_progress(progress, 0.0, split)))
        alpha_out = None
        if prepared.alpha is not None:
            if same_size:
                alpha_out = prepared.alpha
            elif alpha_needs_network:
                gray = pipeline.run(
                    modes.alpha_as_rgb(prepared.alpha), opts, context(_sub_progress(progress, split, 1.0))
                )
                alpha_out = gray.getchannel(0)
            else:
                alpha_out = Image.new("L", rgb_out.size, modes.constant_alpha(prepared.alpha))
    result = modes.finish(rgb_out, alpha_out, prepared)
    if progress is not None:
        progress(1.0, "done")
    return EnhanceResult(result, str(resolved_device), resolved_precision, time.perf_counter() - started)


def enhance_image(
    img: Image.Image,
    model: str,
    options: dict | None = None,
    *,
    precision: str = "auto",
    tile_size: int | None = None,
    device: str | None = None,
    progress: Callable[[float, str], None] | None = None,
    should_cancel: Callable[[], bool] | None = None,
) -> Image.Image:
    return run_enhancement(
        img,
        model,
        options,
        precision=precision,
        tile_size=tile_size,
        device=device,
        progress=progress,
        should_cancel=should_cancel,
    ).image

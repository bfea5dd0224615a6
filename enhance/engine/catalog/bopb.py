"""Bringing Old Photos Back to Life: old-photo restoration with and without scratch repair."""

from collections.abc import Mapping

from enhance.engine.catalog.spec import (
    Choice,
    DeviceInfo,
    ModelSpec,
    Option,
    PixelLimit,
    Precisions,
    Stage,
    Use,
    gettext_noop,
)

# Scratch repair attends across the whole photo: its time grows with the square of the pixel
# count. On a CPU the operator's SCRATCH_REPAIR_MAX_PIXELS (default 2 MP) keeps a job within the
# task timeout; a GPU's cap follows its memory (chunked attention keeps memory bounded, so this
# bounds the time the chunks take, about 2 MP per 10 GB) unless the operator sets one.
CPU_SCRATCH_DEFAULT = 2_000_000
GPU_SCRATCH_PIXELS_PER_GB = 200_000


def _env_pixels(env: Mapping[str, str], name: str) -> int | None:
    try:
        value = int(str(env.get(name, "")).strip())
    except ValueError:
        return None
    return value if value >= 0 else None


def scratch_limit(device: DeviceInfo, env: Mapping[str, str]) -> int | None:
    if device.kind == "cuda":
        configured = _env_pixels(env, "SCRATCH_REPAIR_MAX_PIXELS_CUDA")
        if configured is None:
            configured = device.memory_bytes // (1 << 30) * GPU_SCRATCH_PIXELS_PER_GB
    else:
        configured = _env_pixels(env, "SCRATCH_REPAIR_MAX_PIXELS")
        if configured is None:
            configured = CPU_SCRATCH_DEFAULT
    return configured or None  # 0: no cap


OPTIONS = (
    Option(
        "scratches",
        gettext_noop("Repair scratches"),
        (Choice(False, gettext_noop("No")), Choice(True, gettext_noop("Yes"))),
        default=False,
        help=gettext_noop("Detect scratches and tears and fill them in from the rest of the photo."),
        kind="bool",
    ),
    Option(
        "hr",
        gettext_noop("High-resolution scratch repair"),
        (Choice(False, gettext_noop("No")), Choice(True, gettext_noop("Yes"))),
        default=False,
        help=gettext_noop(
            "For large scanned photos with scratches: patch-based repair with a wider mask. "
            "Only used together with scratch repair."
        ),
        kind="bool",
        applies_when={"scratches": (True,)},
    ),
)

SPEC = ModelSpec(
    id="bopb",
    label=gettext_noop("Old photo restoration"),
    summary=gettext_noop("Restores faded, blurred and damaged old photos, and optionally repairs scratches."),
    options=OPTIONS,
    scale=lambda options: 1,
    # The scratch detector decides a binary mask by threshold; attention logits and instance-norm
    # statistics overflow fp16.
    precisions=Precisions(
        ("fp32", "bf16", "fp16"),
        islands=("scratch detector", "attention logits", "normalisation statistics"),
    ),
    stages=(
        Stage("bopb: loading networks", gettext_noop("Loading the restoration networks")),
        Stage("bopb: detecting scratches", gettext_noop("Finding scratches")),
        Stage("bopb: encoding", gettext_noop("Analysing the photo")),
        Stage("bopb: restoring", gettext_noop("Restoring")),
        Stage("bopb: repairing scratches", gettext_noop("Repairing scratches")),
        Stage("bopb: decoding", gettext_noop("Rebuilding the photo")),
        Stage("bopb: done", gettext_noop("Finishing")),
    ),
    pixel_limits=(PixelLimit("scratches", {"scratches": True}, scratch_limit),),
    uses=(Use("restore", {"scratches": False}), Use("restore_scratches", {"scratches": True})),
    runner="enhance.engine.pipelines.bopb:PIPELINE",
)

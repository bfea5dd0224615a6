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
# task timeout. A GPU's cap (unless SCRATCH_REPAIR_MAX_PIXELS_CUDA is set) is the smaller of what
# fits its memory and what its attention finishes in time, from this model (an estimate; see
# docs/deploy.md "GPU workers" for the derivation):
# - memory: a fixed part (CUDA context ~0.6 GB, BOPB's networks ~0.5 GB with the fp32 detector,
#   one SDPA block of attention.CUDA_CHUNK_ELEMENTS fp32 logits with its softmax copies ~3 GB)
#   plus ~600 bytes per pixel (measured on the CPU in fp32: 530 B/px at 512 x 512, mostly the
#   VAE's full-resolution 64-channel maps and the 512-channel latent maps at 1/16 of the pixels,
#   with the attention's fp32 queries, keys and values; fp16 halves the convolutional part);
# - time: the attention does 2 * N^2 * 512 multiply-adds, N = pixels / 16: 8 * pixels^2 FLOP,
#   in fp32 (its logits are an fp32 island), to finish within GPU_SCRATCH_SECONDS at a sustained
#   fp32 rate taken per GPU generation (half the slowest common card's peak).
CPU_SCRATCH_DEFAULT = 2_000_000
GPU_FIXED_BYTES = 4_500_000_000
GPU_SCRATCH_BYTES_PER_PIXEL = 600
GPU_SCRATCH_PIXELS_PER_GB = (1 << 30) // GPU_SCRATCH_BYTES_PER_PIXEL  # ~1.8 MP per GiB beyond the fixed part
GPU_SCRATCH_SECONDS = 600  # a third of the default task timeout (Q_TIMEOUT 1800 s)
# Sustained fp32 FLOP/s by compute capability major: 7 (T4: 8.1 peak), 8 (A10/A100: 19.5-31 peak),
# 9 (H100/H200: 60-67 peak).
GPU_FP32_FLOPS = {7: 4e12, 8: 10e12, 9: 30e12}
GPU_FP32_FLOPS_UNKNOWN = 4e12

# Why a job that was accepted could not run on the worker's GPU (enhance.engine.errors.DeviceMemoryError).
TOO_LARGE_FOR_DEVICE = gettext_noop(
    "The photo was too large for the worker's memory, even restored a small piece at a time. "
    "Try a smaller photo or another model."
)
SCRATCHES_TOO_LARGE_FOR_DEVICE = gettext_noop(
    "Scratch repair compares every part of the photo with every other part, so the whole photo "
    "must fit in the worker's graphics memory at once, and this one (%(size)s megapixels) does not. "
    "Run restoration without scratch repair, or upload a smaller copy."
)


def gpu_scratch_pixels(device: DeviceInfo, processes: int = 1) -> int:
    """The cap for one of `processes` worker processes sharing this GPU (its memory and, in the
    worst case, its arithmetic are split between them)."""
    processes = max(1, processes)
    by_memory = max(0, device.memory_bytes // processes - GPU_FIXED_BYTES) // GPU_SCRATCH_BYTES_PER_PIXEL
    major = device.capability[0] if device.capability else 0
    flops = GPU_FP32_FLOPS.get(major, GPU_FP32_FLOPS[9] if major > 9 else GPU_FP32_FLOPS_UNKNOWN)
    by_time = int((GPU_SCRATCH_SECONDS * flops / processes / 8) ** 0.5)
    return max(CPU_SCRATCH_DEFAULT, min(by_memory, by_time))


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
            # one qcluster per GPU (restore-worker@.service): its Q_WORKERS processes share it
            configured = gpu_scratch_pixels(device, _env_pixels(env, "Q_WORKERS") or 1)
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
        # As the official --HR: the scratch branch's patch attention and 512 x 512 faces, so it
        # matters with or without scratch repair.
        gettext_noop("High-resolution mode"),
        (Choice(False, gettext_noop("No")), Choice(True, gettext_noop("Yes"))),
        default=False,
        help=gettext_noop(
            "For large scanned photos: patch-based scratch repair with a wider mask, and faces "
            "restored at 512 x 512 instead of 256 x 256."
        ),
        kind="bool",
    ),
    Option(
        "faces",
        gettext_noop("Restore faces"),
        (
            Choice(None, gettext_noop("When available"), gettext_noop("Whenever the face weights are installed")),
            Choice(True, gettext_noop("Yes")),
            Choice(False, gettext_noop("No")),
        ),
        # Not given: decided by the worker (stages 2-4 run whenever their weights are installed);
        # asked for explicitly and missing there, the job fails naming the command that installs them.
        default=None,
        help=gettext_noop(
            "Find the faces and restore each with a network trained on faces, as the original "
            "method does. On by default when the face weights are installed."
        ),
        kind="bool",
    ),
)

SPEC = ModelSpec(
    id="bopb",
    label=gettext_noop("Old photo restoration"),
    summary=gettext_noop("Restores faded, blurred and damaged old photos, and optionally repairs scratches."),
    options=OPTIONS,
    scale=lambda options: 1,
    # fp32 islands: the scratch detector decides a binary mask by threshold (run in fp32), the
    # non-local attention computes logits, softmax and the weighted sum in fp32, and PyTorch's
    # instance norm accumulates its statistics in fp32 for fp16/bf16 input. No layer overflows in
    # fp16 (every activation stays below 30 on the test checkpoints); what is lost is rounding,
    # amplified by the ~60 instance-normalised layers: fp16 keeps 40-47 dB of fp32, bf16 (3 fewer
    # mantissa bits) only 23-31 dB, so "auto" never picks bf16 for this model (CPU: fp32, GPU: fp16).
    precisions=Precisions(
        ("fp32", "bf16", "fp16"),
        islands=("scratch detector", "attention logits", "normalisation statistics"),
        auto=("fp32", "fp16"),
    ),
    stages=(
        Stage("bopb: loading networks", gettext_noop("Loading the restoration networks")),
        Stage("bopb: detecting scratches", gettext_noop("Finding scratches")),
        Stage("bopb: encoding", gettext_noop("Analysing the photo")),
        Stage("bopb: restoring", gettext_noop("Restoring")),
        Stage("bopb: repairing scratches", gettext_noop("Repairing scratches")),
        Stage("bopb: decoding", gettext_noop("Rebuilding the photo")),
        Stage("bopb: finding faces", gettext_noop("Finding faces")),
        Stage("bopb: restoring faces {number}/{total}", gettext_noop("Restoring faces %(number)s/%(total)s")),
        Stage("bopb: blending", gettext_noop("Blending")),
        Stage("bopb: done", gettext_noop("Finishing")),
    ),
    pixel_limits=(
        PixelLimit(
            "scratches",
            {"scratches": True},
            scratch_limit,
            refusal=gettext_noop(
                "Scratch repair takes photos up to %(limit)s megapixels; this one has %(size)s. "
                "Run restoration without scratch repair, or upload a smaller copy."
            ),
        ),
    ),
    uses=(Use("restore", {"scratches": False}), Use("restore_scratches", {"scratches": True})),
    runner="enhance.engine.pipelines.bopb:PIPELINE",
)

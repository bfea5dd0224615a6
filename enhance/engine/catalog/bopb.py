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
    # Precision. The networks are deep stacks of instance-normalised convolutions that amplify an
    # early rounding (about 1 dB lost per layer on the test checkpoints), and the scratch branch's
    # attention logits amplify it again, so what matters is where the rounding happens, not whether
    # anything overflows (nothing does). fp32 islands (archs/bopb/precision.py and the modules'
    # FP32_ISLANDS): the VAE encoder; the scratch mapping's widening head and its attention's query
    # and key projections; the attention's logits, softmax and weighted sum; the blend of the
    # rebuilt features with the unscratched ones; the scratch detector (it thresholds); instance
    # norm statistics. By multiply-adds per latent pixel the islands are ~2 % of quality restoration
    # (the encoder, 0.77 M of 38 M) and ~10 % of scratch repair's convolutions (encoder, head and
    # projections, 5.2 M of 53 M; the attention itself, 2 x 512 x N per query, was always fp32):
    # ~98 % and ~90 % of the convolutional work run in fp16.
    # Measured at 64 x 80 on the seed-1234 test checkpoints against fp32 (before -> after the
    # islands): fp16 quality 46.8 -> 53.4 dB, scratches 40.4 -> 54.8 dB, HR scratches 44.5 -> 51.1 dB;
    # bf16 30.0 -> 38.9, 24.0 -> 40.8, 19.6 -> 34.8 dB. bf16 has 3 fewer mantissa bits: even with
    # every convolution but the 512-channel residual blocks in fp32 (about 30 % of the work, an
    # emulation) it reaches only ~47 / ~45 dB, so it is not offered for this model; asked for, it is
    # refused with the precisions it supports. "auto": fp32 on a CPU, fp16 on CUDA.
    precisions=Precisions(
        ("fp32", "fp16"),
        islands=(
            "VAE encoder",
            "scratch attention inputs (widening head, query and key projections)",
            "attention logits, softmax and weighted sum",
            "scratch mask blend",
            "scratch detector",
            "normalisation statistics",
        ),
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

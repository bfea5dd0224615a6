"""RealSR DF2K x4: super-resolution of real photos."""

from enhance.engine.catalog.spec import ModelSpec, Precisions, Stage, Use, gettext_noop

SPEC = ModelSpec(
    id="realsr",
    label=gettext_noop("RealSR"),
    summary=gettext_noop("Four times the resolution for real photos, with natural detail."),
    scale=lambda options: 4,
    precisions=Precisions(("fp32", "bf16", "fp16")),
    stages=(Stage("realsr", gettext_noop("Upscaling")),),
    uses=(Use("sr"),),
    runner="enhance.engine.pipelines.realsr:PIPELINE",
)

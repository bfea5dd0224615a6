"""Real-ESRGAN: x4plus for photos, x4plus-anime for illustrations, animevideov3 (a compact
network) at 2x, 3x or 4x."""

from enhance.engine.catalog.spec import (
    Choice,
    Impossible,
    ModelSpec,
    Option,
    Precisions,
    Stage,
    Use,
    gettext_noop,
)

OPTIONS = (
    Option(
        "variant",
        gettext_noop("Variant"),
        (
            Choice("x4plus", gettext_noop("Photos (x4plus)"), gettext_noop("General photos, four times the size")),
            Choice(
                "x4plus-anime",
                gettext_noop("Illustrations (x4plus anime)"),
                gettext_noop("Anime and drawings, four times the size"),
            ),
            Choice(
                "animevideov3",
                gettext_noop("Anime video (compact)"),
                gettext_noop("A small, fast network for anime frames at 2x, 3x or 4x"),
            ),
        ),
        default="x4plus",
        help=gettext_noop("Which Real-ESRGAN network runs: photos, illustrations, or the compact anime network."),
    ),
    Option(
        "scale",
        gettext_noop("Scale"),
        (Choice(2, gettext_noop("2x")), Choice(3, gettext_noop("3x")), Choice(4, gettext_noop("4x"))),
        default=4,
        help=gettext_noop("The x4plus networks enlarge four times; the compact anime network 2, 3 or 4 times."),
    ),
)

SPEC = ModelSpec(
    id="realesrgan",
    label=gettext_noop("Real-ESRGAN"),
    summary=gettext_noop("Sharp four-times upscaling for photos and illustrations, the model upscaler users know."),
    options=OPTIONS,
    impossible=(
        Impossible(
            {"variant": ("x4plus", "x4plus-anime"), "scale": (2, 3)},
            gettext_noop("The x4plus networks only enlarge four times; choose scale 4, or the compact anime network."),
        ),
    ),
    scale=lambda options: options["scale"],
    precisions=Precisions(("fp32", "bf16", "fp16")),
    stages=(Stage("realesrgan", gettext_noop("Upscaling")),),
    uses=(Use("sr", {"variant": "x4plus"}), Use("2dsr", {"variant": "x4plus-anime"})),
    runner="enhance.engine.pipelines.realesrgan:PIPELINE",
)

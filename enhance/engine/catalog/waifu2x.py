"""waifu2x: anime and 2D art upscaling and JPEG denoising (CUNet for art, UpConv7 for photos)."""

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
        "style",
        gettext_noop("Style"),
        (
            Choice("art", gettext_noop("Art"), gettext_noop("Drawings and anime (CUNet)")),
            Choice("photo", gettext_noop("Photo"), gettext_noop("Photographs (UpConv7)")),
        ),
        default="art",
        help=gettext_noop("art: drawings and anime (CUNet); photo: photographs (UpConv7)"),
    ),
    Option(
        "scale",
        gettext_noop("Scale"),
        (Choice(1, gettext_noop("1x")), Choice(2, gettext_noop("2x")), Choice(4, gettext_noop("4x"))),
        default=2,
        help=gettext_noop("1 = denoise only (art style); 4 = two 2x passes"),
    ),
    Option(
        "noise",
        gettext_noop("Noise reduction"),
        (
            Choice(-1, gettext_noop("None")),
            Choice(0, gettext_noop("Lowest")),
            Choice(1, gettext_noop("Low")),
            Choice(2, gettext_noop("Medium")),
            Choice(3, gettext_noop("High")),
        ),
        default=0,
        help=gettext_noop("-1 = none; 0 to 3 = stronger"),
    ),
)

SPEC = ModelSpec(
    id="waifu2x",
    label=gettext_noop("waifu2x"),
    summary=gettext_noop("Upscaling and JPEG noise removal for anime, drawings and 2D art."),
    options=OPTIONS,
    impossible=(
        Impossible(
            {"style": ("photo",), "scale": (1,)},
            gettext_noop("waifu2x photo has no 1x model; use scale 2 or 4, or style art for denoise-only."),
        ),
        Impossible(
            {"scale": (1,), "noise": (-1,)},
            gettext_noop("waifu2x scale 1 only denoises; choose noise 0 to 3, or a scale of 2 or 4."),
        ),
    ),
    scale=lambda options: options["scale"],
    # The squeeze-excitation blocks pool a whole tile: their mean is taken in fp32.
    precisions=Precisions(("fp32", "bf16", "fp16"), islands=("squeeze-excitation means",)),
    stages=(
        Stage("waifu2x pass 1/1", gettext_noop("Upscaling")),
        Stage("waifu2x pass {number}/{total}", gettext_noop("Upscaling, pass %(number)s of %(total)s")),
    ),
    uses=(Use("2dsr"),),
    runner="enhance.engine.pipelines.waifu2x:PIPELINE",
)

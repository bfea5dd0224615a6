"""People-facing, translated wording for what the engine reports in English: option labels
and help on the photo page, and the progress stages a worker writes into a job.

The engine stays free of Django (and so of gettext); this table is its translation layer.
Unknown labels and stages pass through unchanged, so a new engine option shows up in
English rather than not at all."""

from __future__ import annotations

import re

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

OPTION_TEXT = {
    ("waifu2x", "style"): (
        gettext_lazy("Style"),
        gettext_lazy("art: drawings and anime (CUNet); photo: photographs (UpConv7)"),
    ),
    ("waifu2x", "scale"): (
        gettext_lazy("Scale"),
        gettext_lazy("1 = denoise only (art style); 4 = two 2x passes"),
    ),
    ("waifu2x", "noise"): (
        gettext_lazy("Noise reduction"),
        gettext_lazy("-1 = none; 0 to 3 = stronger"),
    ),
    ("bopb", "scratches"): (
        gettext_lazy("Repair scratches"),
        gettext_lazy("Detect scratches and tears and fill them in from the rest of the photo."),
    ),
    ("bopb", "faces"): (
        gettext_lazy("Restore faces"),
        gettext_lazy(
            "Find the faces and restore each with a network trained on faces, as the original "
            "method does. On by default when the face weights are installed."
        ),
    ),
    ("bopb", "hr"): (
        gettext_lazy("High-resolution scratch repair"),
        gettext_lazy(
            "For large scanned photos with scratches: patch-based repair with a wider mask. "
            "Only used together with scratch repair."
        ),
    ),
}

STAGES = {
    "realsr": gettext_lazy("Upscaling"),
    "bopb: loading networks": gettext_lazy("Loading the restoration networks"),
    "bopb: detecting scratches": gettext_lazy("Finding scratches"),
    "bopb: encoding": gettext_lazy("Analysing the photo"),
    "bopb: restoring": gettext_lazy("Restoring"),
    "bopb: repairing scratches": gettext_lazy("Repairing scratches"),
    "bopb: decoding": gettext_lazy("Rebuilding the photo"),
    "bopb: done": gettext_lazy("Finishing"),
    "bopb: finding faces": gettext_lazy("Finding faces"),
    "bopb: blending": gettext_lazy("Blending"),
    "done": gettext_lazy("Finishing"),
}
_WAIFU2X_PASS = re.compile(r"^waifu2x pass (\d+)/(\d+)$")
_BOPB_FACES = re.compile(r"^bopb: restoring faces (\d+)/(\d+)$")


def localized_options(model_id: str, specs) -> list[dict]:
    """The engine's OptionSpecs for the photo page, with translated label and help."""
    rows = []
    for spec in specs:
        label, help_text = OPTION_TEXT.get((model_id, spec.name), (spec.label, spec.help))
        rows.append(
            {"name": spec.name, "label": str(label), "help": str(help_text), "choices": spec.choices,
             "default": spec.default}
        )  # fmt: skip
    return rows


def stage_label(stage: str) -> str:
    """An engine progress stage in the active language."""
    known = STAGES.get(stage)
    if known is not None:
        return str(known)
    faces = _BOPB_FACES.match(stage)
    if faces:
        number, total = faces.groups()
        return _("Restoring faces %(number)s/%(total)s") % {"number": number, "total": total}
    passes = _WAIFU2X_PASS.match(stage)
    if passes:
        number, total = passes.groups()
        if total == "1":
            return _("Upscaling")
        return _("Upscaling, pass %(number)s of %(total)s") % {"number": number, "total": total}
    return stage

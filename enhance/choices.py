"""The photo page's "Select type" control and how each choice maps to a model and options."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from enhance.services import SubmitRefused


@dataclass(frozen=True)
class EnhanceType:
    key: str
    label: str
    model: str | None  # None: show the original, nothing to run
    options: dict


TYPES = (
    EnhanceType("none", gettext_lazy("None (show the original)"), None, {}),
    EnhanceType("sr", gettext_lazy("SR"), "realsr", {}),
    EnhanceType("restore", gettext_lazy("Restoration w/o scratches"), "bopb", {"scratches": False}),
    EnhanceType("restore_scratches", gettext_lazy("Restoration w/ scratches"), "bopb", {"scratches": True}),
    EnhanceType("2dsr", gettext_lazy("2D SR"), "waifu2x", {}),
)
BY_KEY = {t.key: t for t in TYPES}
WAIFU2X_FIELDS = ("style", "scale", "noise")


def _number_or_text(value: str):
    try:
        return int(value)
    except (TypeError, ValueError):
        return value


def model_and_options(data) -> tuple[str, dict]:
    """From a submitted form: (model id, options). Option values are checked by the engine."""
    key = data.get("type", "")
    choice = BY_KEY.get(key)
    if choice is None:
        raise SubmitRefused(_("Choose what to run on this photo."))
    if choice.model is None:
        raise SubmitRefused(_("“None” shows the original; there is nothing to run."))
    options = dict(choice.options)
    if choice.model == "waifu2x":
        for name in WAIFU2X_FIELDS:
            if data.get(name, "") != "":
                options[name] = _number_or_text(data.get(name))
    return choice.model, options


def panel_types(availability: dict | None = None) -> list[dict]:
    """Every type with whether a live worker can run it now, and why not (for people: no
    operator command). `info` is the model's enhance.availability.ModelAvailability."""
    from enhance.availability import model_availability

    models = model_availability() if availability is None else availability
    rows = []
    for choice in TYPES:
        info = models.get(choice.model) if choice.model else None
        available = choice.model is None or (info is not None and info.available)
        reason = "" if available else (info.reason if info else _("This model is not installed."))
        rows.append({"key": choice.key, "label": choice.label, "model": choice.model, "options": choice.options,
                     "available": available, "reason": reason, "info": info})
    return rows

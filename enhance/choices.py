"""The photo page's and the batch form's "Select type" control, built from the engine's
catalogue: one entry per kind (KINDS) with the models that serve it (each spec's `uses`), and
for each model the option widgets its spec describes, impossible combinations disabled with the
reason. A model added to the catalogue shows up here with no change to this module."""

from __future__ import annotations

import json
from typing import Any

from django.utils.translation import gettext as _

from enhance.engine.catalog import all_specs
from enhance.engine.catalog.spec import KINDS, ModelSpec, Option, Use
from enhance.engine_text import kind_label, localized_impossible, localized_options, model_label
from enhance.services import SubmitRefused

NONE = "none"  # show the original, nothing to run


def availability_table() -> dict[str, tuple[bool, str]]:
    """Model id -> (a live worker can run it now, why not for people): the one place this module
    asks (enhance.availability reads the workers' capability records)."""
    from enhance.availability import model_availability

    return {model_id: (entry.available, entry.reason) for model_id, entry in model_availability().items()}


def offers(kind: str) -> list[tuple[ModelSpec, Use]]:
    """The models serving a kind, in catalogue order (the first is the default)."""
    return [(spec, use) for spec in all_specs() for use in spec.uses if use.kind == kind]


def form_value(value: Any) -> str:
    """An option value as a form sends it back (Option.parse reads it)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _form_values(mapping: dict) -> dict:
    return {name: [form_value(v) for v in (values if isinstance(values, list | tuple) else [values])]
            for name, values in mapping.items()}


def _blocked(spec: ModelSpec, options: dict) -> str:
    """The reason these option values cannot run together, or ""."""
    return next((_(rule.reason) for rule in spec.impossible if rule.matches(options)), "")


def _fields(spec: ModelSpec, preset: dict) -> tuple[list[dict], list[str]]:
    """Widgets for the options the kind leaves open, starting at the defaults; each value knows
    whether choosing it (the others unchanged) is impossible and why. Also the reasons shown."""
    current = {**spec.defaults(), **preset}
    names = [o.name for o in spec.options if o.name not in preset and _may_apply(o, preset)]
    rows, reasons = [], []
    for row in localized_options(spec.id, [spec.option(name) for name in names]):
        values = []
        for value in row["values"]:
            reason = _blocked(spec, {**current, row["name"]: value["value"]})
            if reason and reason not in reasons:
                reasons.append(reason)
            values.append({**value, "form_value": form_value(value["value"]), "disabled": bool(reason),
                           "reason": reason, "selected": value["value"] == row["default"]})
        option = spec.option(row["name"])
        rows.append({**row, "values": values, "applies": option.applies(current),
                     "applies_json": json.dumps(_form_values(row["applies_when"])) if row["applies_when"] else ""})
    return rows, reasons


def _may_apply(option: Option, preset: dict) -> bool:
    """False when the kind's preset rules the option out for good (BOPB's high-resolution repair
    under restoration without scratches)."""
    return all(preset[name] in values for name, values in option.applies_when.items() if name in preset)


def _model_row(spec: ModelSpec, use: Use, availability: dict) -> dict:
    available, reason = availability.get(spec.id, (False, _("This model is not installed.")))
    fields, reasons = _fields(spec, dict(use.preset))
    impossible = [{"when": _form_values(rule["when"]), "reason": rule["reason"]}
                  for rule in localized_impossible(spec.id)]
    return {
        "id": spec.id,
        "label": model_label(spec.id),
        "summary": _(spec.summary),
        "preset": dict(use.preset),
        "preset_json": json.dumps(_form_values(dict(use.preset))),
        "impossible_json": json.dumps(impossible),
        "fields": fields,
        "blocked_reasons": reasons,
        "available": available,
        "reason": "" if available else reason,
    }


def panel_types(availability: dict | None = None) -> list[dict]:
    """"None" and every kind some catalogued model serves, each with its models; a kind can run
    when one of its models can."""
    if availability is None:
        availability = availability_table()
    rows = [{"key": NONE, "label": _("None (show the original)"), "models": [], "available": True, "reason": ""}]
    for kind in KINDS:
        models = [_model_row(spec, use, availability) for spec, use in offers(kind)]
        if models:
            rows.append({"key": kind, "label": kind_label(kind), "models": models})
            refresh_kind(rows[-1])
    return rows


def refresh_kind(row: dict) -> None:
    """Recompute a kind's availability and default model after its models changed."""
    runnable = [model for model in row["models"] if model["available"]]
    row["available"] = bool(runnable)
    row["reason"] = "" if runnable else row["models"][0]["reason"]
    row["default_model"] = (runnable or row["models"])[0]["id"]


def model_and_options(data) -> tuple[str, dict]:
    """From a submitted form: (model id, options). `type` names the kind, `model` one of the
    models serving it (the first when left out), and the options go by their own names; the
    kind's preset wins over anything sent. Option values are checked by the engine's spec."""
    kind = data.get("type", "")
    if kind == NONE:
        raise SubmitRefused(_("“None” shows the original; there is nothing to run."))
    choices = offers(kind)
    if not choices:
        raise SubmitRefused(_("Choose what to run on this photo."))
    model_id = data.get("model", "") or choices[0][0].id
    chosen = next(((spec, use) for spec, use in choices if spec.id == model_id), None)
    if chosen is None:
        known = ", ".join(spec.id for spec, _use in choices)
        raise SubmitRefused(_("%(kind)s runs one of: %(known)s; got “%(model)s”.")
                            % {"kind": kind_label(kind), "known": known, "model": model_id})
    spec, use = chosen
    options = {o.name: data.get(o.name) for o in spec.options if data.get(o.name, "") not in ("", None)}
    options.update(use.preset)
    return spec.id, options


def apply_plan(types: list[dict], plan, size_notice: str = "") -> None:
    """Mark what this person's plan does not cover: a model outside the plan gets the badge of the
    plan that includes it, and every model gets `size_notice` when the photo is above the plan's
    size limit. A locked model stays visible (people should see what an upgrade brings) but cannot
    be run; its kind defaults to a model the plan covers."""
    from billing.plan_notes import plan_with_model

    for row in types:
        for model in row["models"]:
            model.update(locked=False, locked_badge="", locked_reason="")
            if not plan.allows_model(model["id"]):
                upgrade = plan_with_model(model["id"])
                name = upgrade.name if upgrade else ""
                model.update(locked=True, locked_badge=name,
                             locked_reason=_("Included in the %(plan)s plan.") % {"plan": name})
            elif size_notice:
                model.update(locked=True, locked_reason=size_notice)
        if not row["models"]:
            continue
        runnable = [m for m in row["models"] if m["available"]]
        open_models = [m for m in runnable if not m["locked"]]
        row["locked_badge"] = runnable[0]["locked_badge"] if runnable and not open_models else ""
        if open_models:
            row["default_model"] = open_models[0]["id"]

"""People-facing, translated wording for what the engine's catalogue says in English message
ids: model labels, option labels and help, value labels, impossible combinations, refusal
reasons and the progress stages a worker writes into a job.

The engine stays free of Django (and so of gettext): its specs carry English message ids that
`makemessages` collects (they are marked with gettext_noop), and this module translates them in
the active language."""

from __future__ import annotations

import json
from functools import lru_cache

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from enhance.engine.catalog import COMMON_STAGES, all_specs, get_spec
from enhance.engine.catalog.spec import KINDS
from enhance.engine.errors import OptionError


def model_label(model_id: str) -> str:
    try:
        return _(get_spec(model_id).label)
    except ValueError:
        return model_id


def kind_label(kind: str) -> str:
    return _(KINDS[kind]) if kind in KINDS else kind


def _options_key(options) -> str:
    return json.dumps(options or {}, sort_keys=True, default=str)


# A job list (My jobs, the photo page) names 25-50 jobs that share a handful of (model, options)
# pairs; each name took a dozen catalogue lookups and translations. The catalogue and the
# compiled translations do not change while the process runs, so remember each name per language.
def job_label(model_id: str, options=None) -> str:
    """What a job is called in lists, notifications and e-mails: the kind it served (from the
    options it ran with) and the model, e.g. "SR (RealSR)"; the model alone when it serves no kind."""
    return _job_label(get_language(), model_id, _options_key(options))


def options_summary(model_id: str, options=None) -> str:
    """A job's chosen options in a few words ("Style: Art · Scale: 2x"): those the kind it served
    leaves open and that apply, each as "label: value label"."""
    return _options_summary(get_language(), model_id, _options_key(options))


@lru_cache(maxsize=1024)
def _job_label(language: str | None, model_id: str, options_key: str) -> str:
    options = json.loads(options_key)
    try:
        spec = get_spec(model_id)
    except ValueError:
        return model_id
    use = spec.use_for(options)
    if use is None:
        return _(spec.label)
    return _("%(kind)s (%(model)s)") % {"kind": kind_label(use.kind), "model": _(spec.label)}


@lru_cache(maxsize=1024)
def _options_summary(language: str | None, model_id: str, options_key: str) -> str:
    options = json.loads(options_key)
    try:
        spec = get_spec(model_id)
    except ValueError:
        return ""
    use = spec.use_for(options)
    fixed = use.preset if use else {}
    parts = []
    for option in spec.options:
        if option.name in fixed or option.name not in options or not option.applies(options):
            continue
        value = options[option.name]
        choice = next((c for c in option.choices if c.value == value), None)
        parts.append(f"{_(option.label)}: {_(choice.label) if choice else value}")
    return " · ".join(parts)


def localized_options(model_id: str, options=None) -> list[dict]:
    """A model's options for the photo page and the API, translated."""
    spec = get_spec(model_id)
    rows = []
    for option in spec.options if options is None else options:
        rows.append({
            "name": option.name,
            "label": _(option.label),
            "help": _(option.help) if option.help else "",
            "kind": option.kind,
            "choices": [c.value for c in option.choices],
            "values": [
                {"value": c.value, "label": _(c.label), "help": _(c.help) if c.help else ""} for c in option.choices
            ],
            "default": option.default,
            "applies_when": {name: list(values) for name, values in option.applies_when.items()},
        })  # fmt: skip
    return rows


def localized_impossible(model_id: str) -> list[dict]:
    """The option combinations no network exists for, with the reason, for the UI to disable."""
    return [
        {"when": {name: list(values) for name, values in rule.when.items()}, "reason": _(rule.reason)}
        for rule in get_spec(model_id).impossible
    ]


def option_error_params(exc: OptionError) -> dict:
    """The error's parameters as enhance.stored_text keeps them: the option named by its label
    and the allowed values by theirs ("Style", "Art, Photo"), worded when read."""
    params = dict(exc.params)
    name = params.get("option")
    if exc.model_id and isinstance(name, str):
        params["option"] = {"option": name, "of": exc.model_id}
        if "allowed" in params:
            params["allowed"] = {"allowed": name, "of": exc.model_id}
    return params


def option_text(model_id: str, name: str, *, allowed: bool = False) -> str:
    """An option's label, or the labels of its values joined; the bare name for an unknown one."""
    try:
        option = next(o for o in get_spec(model_id).options if o.name == name)
    except (ValueError, StopIteration):
        return name
    if not allowed:
        return _(option.label)
    return ", ".join(_(choice.label) for choice in option.choices)


def option_error_text(exc: ValueError) -> str:
    """A bad option's reason in the active language."""
    if isinstance(exc, OptionError):
        from enhance.stored_text import render

        return render(exc.message, option_error_params(exc))
    return str(exc)


def stage_label(stage: str) -> str:
    """A job's stage in the active language: an engine progress stage as the engine reported it,
    or the message id the web or worker side stored (gettext passes older, finished text
    through unchanged)."""
    if not stage:
        return ""
    if stage in COMMON_STAGES:
        return _(COMMON_STAGES[stage])
    for spec in all_specs():
        found = spec.stage_label(stage)
        if found is not None:
            label, params = found
            return _(label) % params if params else _(label)
    return _(stage)

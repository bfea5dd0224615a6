"""Text that is written once and read later by people in their own language: a job's stage and
error, a notification. The row keeps an English message id and its parameters; the words are
chosen when someone reads them (a page, the API, an e-mail), in the reader's language.

Parameters are JSON. A plain string or number is inserted as it is (a photo's title). A
parameter that must itself be worded in the reader's language is a small tagged object:

    {"msgid": "...", "params": {...}}       another message (an error inside a notification)
    {"job": "waifu2x", "options": {...}}    what a job is called ("2D SR (waifu2x)")
    {"model": "realsr"}                     a model's label
    {"option": "style", "of": "waifu2x"}    an option's label ("Style")
    {"allowed": "style", "of": "waifu2x"}   its values' labels ("Art, Photo")
    {"plan": "free"}                        a plan's name
    {"date": "2025-07-01"}                  a date in the reader's format
    {"number": 5.24, "digits": 1}           a number in the reader's format
    {"megapixels": 4000000}                 a pixel count as megapixels ("4", "4.2")

Rows written before this scheme hold finished text and no parameters: gettext passes text it
does not know through unchanged, so they still read as they did."""

from __future__ import annotations

from datetime import date

from django.utils import formats
from django.utils.translation import gettext as _


def message(msgid: str, **params) -> dict:
    """A message to store: {"msgid", "params"} (see the module's docstring for the params)."""
    return {"msgid": msgid, "params": params}


def render(msgid: str, params: dict | None = None) -> str:
    """The stored message in the active language."""
    if not msgid:
        return ""
    text = _(msgid)
    if not params:
        return text
    try:
        return text % {name: _render_param(value) for name, value in params.items()}
    except (KeyError, TypeError, ValueError):
        # A translation that lost a placeholder must not hide the message: fall back to English.
        return msgid % {name: _render_param(value) for name, value in params.items()}


def render_stored(stored: dict) -> str:
    return render(stored.get("msgid", ""), stored.get("params"))


def _render_param(value):
    if not isinstance(value, dict):
        return value
    if "msgid" in value:
        return render_stored(value)
    from enhance.engine_text import job_label, model_label, option_text

    if "of" in value:
        if "allowed" in value:
            return option_text(value["of"], value["allowed"], allowed=True)
        return option_text(value["of"], value.get("option", ""))
    if "job" in value:
        return job_label(value["job"], value.get("options"))
    if "model" in value:
        return model_label(value["model"])
    if "plan" in value:
        from billing.plans import get_plan

        return str(get_plan(value["plan"]).name)
    if "megapixels" in value:
        from billing.plans import format_megapixels

        return format_megapixels(value["megapixels"])
    if "date" in value:
        return formats.date_format(date.fromisoformat(value["date"]), "DATE_FORMAT")
    if "number" in value:
        return formats.number_format(value["number"], value.get("digits"))
    return str(value)

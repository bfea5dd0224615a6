"""Korean readers read no English from the engine, the worker or the job pipeline.

Everything those write for people (progress stages, failure reasons, refusals, option errors,
notifications) is kept as an English message id with parameters and worded when read
(enhance/stored_text.py). These tests collect every such message id, from the catalogue's
specs and from every string the enhance app and billing's policy mark for translation, and
fail when one has no Korean entry in locale/ko/LC_MESSAGES/django.po; and they hold the Korean
to whole sentences (no "은(는)" particle hacks)."""

import ast
import re
from pathlib import Path

import polib
from django.conf import settings
from django.utils import translation

from enhance.engine.catalog import COMMON_STAGES, all_specs
from enhance.engine.catalog.spec import KINDS
from enhance.notifications.service import NOTIFICATION_KEYS
from enhance.worker.reaper import WORKER_STOPPED
from enhance.worker.runner import FAILURE_REASONS

BASE = Path(settings.BASE_DIR)
KOREAN_PO = BASE / "locale/ko/LC_MESSAGES/django.po"
# Where text that a job or a notification carries is written.
SOURCES = [*sorted((BASE / "enhance").rglob("*.py")), BASE / "billing/policy.py"]
TRANSLATION_CALLS = {"_", "gettext", "gettext_lazy", "gettext_noop", "pgettext", "ngettext"}
# Korean particles written for both final sounds ("은(는)", "을(를)", "(으)로"): a sign that the
# sentence was built around an English word order; rephrase so the particle follows a fixed noun.
PARTICLE_HACK = re.compile(r"[은을이과와]\([는를가와과]\)|\(으\)|\([은는을를이가]\)")


def korean() -> dict[str, str]:
    po = polib.pofile(str(KOREAN_PO))
    return {
        entry.msgid: entry.msgstr_plural.get(0, "") if entry.msgid_plural else entry.msgstr
        for entry in po if not entry.obsolete and "fuzzy" not in entry.flags
    }


def marked_strings(path: Path) -> set[str]:
    """Literals a module passes to a translation call (what makemessages collects)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        name = getattr(node.func, "id", None) or getattr(node.func, "attr", "")
        if name in TRANSLATION_CALLS and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
            found.add(node.args[0].value)
    return found


def catalogue_ids() -> set[str]:
    ids = set(KINDS.values()) | set(COMMON_STAGES.values())
    for spec in all_specs():
        ids |= {spec.label, spec.summary, *(rule.reason for rule in spec.impossible)}
        ids |= {stage.label for stage in spec.stages}
        for option in spec.options:
            ids |= {option.label, option.help}
            for choice in option.choices:
                ids |= {choice.label, choice.help}
    return {text for text in ids if text}


def server_message_ids() -> set[str]:
    ids = catalogue_ids() | set(FAILURE_REASONS.values()) | set(NOTIFICATION_KEYS) | {WORKER_STOPPED}
    for path in SOURCES:
        if "migrations" not in path.parts and "tests" not in path.parts:
            ids |= marked_strings(path)
    return ids


def test_every_message_the_engine_and_worker_emit_has_korean():
    translated = korean()
    missing = sorted(text for text in server_message_ids() if not translated.get(text))
    assert not missing, "no Korean entry (run makemessages, translate, compilemessages):\n" + "\n".join(missing)


def test_stored_stages_and_errors_are_message_ids_not_translated_text():
    """A stage or an error written with _() would be frozen in the writer's language."""
    frozen = []
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.keyword) or node.arg not in ("stage", "error"):
                continue
            value = node.value
            if isinstance(value, ast.Call) and getattr(value.func, "id", "") in {"_", "gettext", "gettext_lazy"}:
                frozen.append(f"{path.relative_to(BASE)}:{node.lineno}")
    assert not frozen, f"store gettext_noop(...) (worded when read), not _(...): {frozen}"


def test_korean_uses_no_particle_hacks():
    hacks = [f"{msgid!r} -> {text!r}" for msgid, text in korean().items() if PARTICLE_HACK.search(text)]
    assert not hacks, "rephrase so no particle depends on a placeholder:\n" + "\n".join(hacks)


def test_a_stored_failure_reads_in_each_readers_language():
    from enhance.engine.catalog import get_spec
    from enhance.engine.errors import OptionError
    from enhance.stored_text import render_stored
    from enhance.worker.runner import user_facing_error

    try:
        get_spec("waifu2x").validate_options({"style": "painting"})
    except OptionError as exc:
        stored = user_facing_error(exc)
    with translation.override("en"):
        english = render_stored(stored)
    with translation.override("ko"):
        korean_text = render_stored(stored)
    assert english.startswith("These options cannot be used on this photo")
    assert "Art" in english and "Photo" in english  # the values people read, not "art", "photo"
    # Only what the person typed stays as it was.
    assert re.findall(r"[A-Za-z]+", korean_text) == ["painting"], korean_text

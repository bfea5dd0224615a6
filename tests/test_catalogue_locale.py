"""Every message id the engine's catalogue carries (labels, summaries, option and value labels,
help, impossible-combination reasons, progress stages, option errors, kinds) has a Korean entry,
and each model's label is written in exactly one place in the code: its spec."""

import ast
from pathlib import Path

import polib
import pytest
from django.conf import settings

from enhance.engine.catalog import COMMON_STAGES, all_specs, realesrgan
from enhance.engine.catalog.spec import KINDS, ModelSpec

BASE = Path(settings.BASE_DIR)
CATALOG_DIR = BASE / "enhance/engine/catalog"
# Catalogued specs, and those whose pipelines land separately but whose text ships now.
SPECS = {spec.id: spec for spec in (*all_specs(), realesrgan.SPEC)}


def spec_message_ids(spec: ModelSpec) -> set[str]:
    ids = {spec.label, spec.summary}
    for option in spec.options:
        ids |= {option.label, option.help}
        for choice in option.choices:
            ids |= {choice.label, choice.help}
    ids |= {rule.reason for rule in spec.impossible}
    ids |= {stage.label for stage in spec.stages}
    return {text for text in ids if text}


def marked_message_ids(path: Path) -> set[str]:
    """The strings a catalogue module wraps in gettext_noop (what makemessages collects)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "gettext_noop":
            (argument,) = node.args
            found.add(argument.value)
    return found


def korean() -> dict[str, str]:
    po = polib.pofile(str(BASE / "locale/ko/LC_MESSAGES/django.po"))
    return {entry.msgid: entry.msgstr for entry in po if not entry.obsolete and "fuzzy" not in entry.flags}


def test_every_catalogue_message_id_has_a_korean_entry():
    translated = korean()
    wanted = set(KINDS.values()) | set(COMMON_STAGES.values())
    for spec in SPECS.values():
        wanted |= spec_message_ids(spec)
    for path in sorted(CATALOG_DIR.glob("*.py")):
        wanted |= marked_message_ids(path)
    missing = sorted(text for text in wanted if not translated.get(text))
    assert not missing, f"no Korean entry (README, Languages): {missing}"


def test_spec_texts_are_all_marked_for_makemessages():
    marked = set().union(*(marked_message_ids(path) for path in CATALOG_DIR.glob("*.py")))
    for spec in SPECS.values():
        unmarked = spec_message_ids(spec) - marked
        assert not unmarked, f"{spec.id}: wrap in gettext_noop so makemessages collects them: {sorted(unmarked)}"


def _code_files():
    for folder in ("accounts", "albums", "billing", "enhance", "restoreapp", "templates", "static"):
        for path in (BASE / folder).rglob("*"):
            if path.suffix in (".py", ".html", ".js") and "migrations" not in path.parts:
                yield path


def _label_forms(model_id: str, label: str) -> list[str]:
    """How a label is written: any quoted literal, or, where the label is the model id itself
    (waifu2x), a translation call, since the bare id is everywhere by design."""
    calls = [f'{call}("{label}")' for call in ("_", "gettext", "gettext_lazy", "gettext_noop", "pgettext")]
    calls += [f'translate "{label}"', f"translate '{label}'"]
    return calls if label == model_id else [f'"{label}"', f"'{label}'"]


@pytest.mark.parametrize("model_id", sorted(SPECS))
def test_a_models_label_is_written_once_in_its_spec(model_id):
    forms = _label_forms(model_id, SPECS[model_id].label)
    places = sorted({path.relative_to(BASE) for path in _code_files() for form in forms if form in path.read_text()})
    assert places == [Path(f"enhance/engine/catalog/{model_id}.py")]

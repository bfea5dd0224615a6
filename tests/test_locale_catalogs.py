"""The shipped translation catalogs: compiled .mo files match their .po, and Korean is complete and safe.

The .mo files are committed so nothing (no gettext) is needed at run time; this test
recompiles each .po in Python and compares, so a .po edited without recompiling fails here.
After changing strings: `python manage.py makemessages -l ko -l en --ignore=.venv --ignore=var --ignore=tests`,
translate, then `python manage.py compilemessages -l ko -l en --ignore=.venv`.
"""

import gettext
import re
from pathlib import Path

import polib
import pytest
from django.conf import settings

LOCALE_DIR = Path(settings.BASE_DIR) / "locale"
CATALOGS = sorted(LOCALE_DIR.glob("*/LC_MESSAGES/django.po"))
HEADER_KEYS = ("Language", "Plural-Forms", "Content-Type")
PLACEHOLDER = re.compile(r"%\(\w+\)[-#0 +]*\d*(?:\.\d+)?[sdfr]|%[sd]|\{\w+\}")


def expected_catalog(po: polib.POFile) -> dict:
    """What msgfmt would put in the .mo: the header and every translated, non-fuzzy entry."""
    catalog = {"": {key: po.metadata.get(key) for key in HEADER_KEYS}}
    for entry in po:
        if entry.obsolete or "fuzzy" in entry.flags:
            continue
        msgid = f"{entry.msgctxt}\x04{entry.msgid}" if entry.msgctxt else entry.msgid
        if entry.msgid_plural:
            if all(entry.msgstr_plural.values()):
                for index, text in entry.msgstr_plural.items():
                    catalog[(msgid, int(index))] = text
        elif entry.msgstr:
            catalog[msgid] = entry.msgstr
    return catalog


def compiled_catalog(mo_path: Path) -> dict:
    with mo_path.open("rb") as handle:
        return dict(gettext.GNUTranslations(handle)._catalog)


def test_english_and_korean_are_shipped():
    assert {path.parent.parent.name for path in CATALOGS} == {"en", "ko"}


@pytest.mark.parametrize("po_path", CATALOGS, ids=lambda path: path.parent.parent.name)
def test_mo_is_up_to_date_with_its_po(po_path):
    mo_path = po_path.with_suffix(".mo")
    assert mo_path.exists(), f"{mo_path} is missing: run compilemessages"
    expected = expected_catalog(polib.pofile(str(po_path)))
    compiled = compiled_catalog(mo_path)
    header = dict(line.split(": ", 1) for line in compiled.pop("").splitlines() if ": " in line)
    # msgfmt drops dates from the header; what gettext uses must match.
    assert {key: header.get(key) for key in HEADER_KEYS} == expected.pop("")
    stale = {key for key in expected.keys() | compiled.keys() if expected.get(key) != compiled.get(key)}
    assert not stale, f"{mo_path} differs from its .po on {sorted(map(str, stale))[:5]}: run compilemessages"


def test_korean_is_complete_and_keeps_every_placeholder():
    po = polib.pofile(str(LOCALE_DIR / "ko/LC_MESSAGES/django.po"))
    assert po.metadata["Plural-Forms"].startswith("nplurals=1")
    problems = []
    for entry in po:
        if entry.obsolete:
            continue
        texts = list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]
        if "fuzzy" in entry.flags or not all(texts):
            problems.append(f"untranslated: {entry.msgid!r}")
            continue
        wanted = sorted(PLACEHOLDER.findall(entry.msgid))
        for text in texts:
            if sorted(PLACEHOLDER.findall(text)) != wanted:
                problems.append(f"placeholders differ: {entry.msgid!r} -> {text!r}")
    assert not problems, "\n".join(problems)

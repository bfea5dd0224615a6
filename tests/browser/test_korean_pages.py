"""A Korean reader meets no English: every main page, signed in with Korean as the saved language
(and signed out with a Korean browser), is read the way a person and a screen reader read it
(the rendered text, the title, aria-labels, titles, placeholders and alt texts) and every run of
Latin letters must be a name (brand, model, format), an e-mail address or a file name. Text that
is an English message id of the catalog, shown untranslated, is named as such.

Pages come from tests/browser/site_pages.py; add a page there and it is checked here."""

from __future__ import annotations

import re
from pathlib import Path

import polib
import pytest
from django.conf import settings

from showcase.samples import SAMPLES
from tests.browser.fixtures import login
from tests.browser.site_pages import ANONYMOUS_PAGES, POSTED_PAGES, make_library, signed_in_pages
from tests.factories import make_user

pytestmark = [pytest.mark.slow, pytest.mark.browser]

# Names that stay as they are in Korean text: the product, the models, formats, units, the plan
# names the pricing page uses as names, and each language's name in its own language (the switcher).
ALLOWED_WORDS = {
    "Restore", "RealSR", "waifu2x", "Real-ESRGAN", "ESRGAN", "Real", "BOPB", "JPEG", "JPG", "PNG", "WebP", "MP",
    "Pro", "Free", "API", "REST", "SR", "2D", "CUNet", "UpConv7", "x4plus", "anime", "animevideov3", "RRDBNet",
    "DF2K", "CPU", "GPU", "CUDA", "USD", "EXIF", "ZIP", "HEIC", "HEIF", "TIFF", "GIF", "BMP", "ID", "URL",
    "Stripe", "OpenAPI", "Swagger", "English", "fp32", "fp16", "bf16", "px", "x", "KB", "MB", "GB", "GPS",
}
# The landing page credits each sample photo's author and where it came from: proper names.
ALLOWED_WORDS |= {word for sample in SAMPLES for word in re.findall(r"[0-9]*[A-Za-z][A-Za-z0-9'’-]*", sample.source)}
ALLOWED_WORDS |= {"CC0"}  # a licence's name
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
FILE_NAME = re.compile(r"[\w.-]+\.(?:jpe?g|png|webp|tiff?|heic|gif|bmp|zip)\b", re.IGNORECASE)
# A word with at least one Latin letter ("2D", "25MB" and "x4plus" are words too).
LATIN_WORD = re.compile(r"[0-9]*[A-Za-z][A-Za-z0-9'’-]*")
NUMBER_UNIT = re.compile(r"^[0-9.]+(?=[A-Za-z])")
PAGE_TEXT_JS = """() => {
  const texts = [document.title, document.body.innerText];
  const labelled = '[aria-label], [title], [placeholder], img[alt], input[type=submit][value]';
  for (const el of document.querySelectorAll(labelled)) {
    if (el.closest('[hidden]')) continue;
    for (const name of ['aria-label', 'title', 'placeholder', 'alt', 'value']) {
      if (el.hasAttribute(name) && (name !== 'value' || el.type === 'submit')) texts.push(el.getAttribute(name));
    }
  }
  return texts;
}"""


def english_message_ids() -> set[str]:
    po = polib.pofile(str(Path(settings.BASE_DIR) / "locale/ko/LC_MESSAGES/django.po"))
    return {entry.msgid.strip() for entry in po if not entry.obsolete and "%" not in entry.msgid and
            LATIN_WORD.search(entry.msgid) and entry.msgstr and entry.msgstr != entry.msgid}


def allowed(word: str) -> bool:
    word = word.strip("'’-")
    return word in ALLOWED_WORDS or NUMBER_UNIT.sub("", word) in ALLOWED_WORDS or word.lower() == "x"


def english_in(texts: list[str], catalog: set[str]) -> list[str]:
    """Lines that show a catalog msgid untranslated, then lines with Latin words not allowed."""
    found = []
    for text in texts:
        for line in (part.strip() for part in (text or "").splitlines()):
            if not line:
                continue
            bare = FILE_NAME.sub(" ", EMAIL.sub(" ", line))
            words = [word for word in LATIN_WORD.findall(bare) if not allowed(word)]
            if line in catalog and words:
                found.append(f"untranslated catalog text: {line!r}")
            elif words:
                found.append(f"English {words} in {line!r}")
    return found


def scan(page, name: str, catalog: set[str]) -> list[str]:
    assert page.evaluate("document.documentElement.lang") == "ko", f"{name}: <html lang> is not ko"
    return [f"{name}: {problem}" for problem in english_in(page.evaluate(PAGE_TEXT_JS), catalog)]


def test_the_scanner_finds_english(transactional_db):
    catalog = english_message_ids()
    assert english_in(["사진 3장", "browser@example.com", "family.jpg", "waifu2x · JPEG · 4 MP"], catalog) == []
    assert english_in(["Notifications"], catalog) == ["untranslated catalog text: 'Notifications'"]
    assert english_in(["작업 Waiting for a worker"], catalog)[0].startswith("English ['Waiting'")


def test_no_english_on_the_korean_pages(browser, live_server, transactional_db):
    catalog = english_message_ids()
    user = make_user("korean@example.com", language="ko")
    library = make_library(user, album_name="가족 여행", photo_title="할머니 사진", empty_album_name="빈 앨범")
    problems = []

    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ko-KR",
                                  extra_http_headers={"Accept-Language": "ko-KR,ko;q=0.9"})
    try:
        visitor = context.new_page()
        for name, path in ANONYMOUS_PAGES:
            visitor.goto(f"{live_server.url}{path}")
            problems += scan(visitor, name, catalog)
        login(visitor, live_server, user.email)
        for name, path in signed_in_pages(library):
            response = visitor.goto(f"{live_server.url}{path}")
            assert response.ok, f"{name}: {path} answered {response.status}"
            problems += scan(visitor, name, catalog)
        for name, open_page in POSTED_PAGES:
            open_page(visitor, live_server.url, library)
            problems += scan(visitor, name, catalog)
    finally:
        context.close()
    assert not problems, "English on Korean pages:\n" + "\n".join(problems)

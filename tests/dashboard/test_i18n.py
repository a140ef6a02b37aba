"""The translations: every text of the pages has a Dutch translation, and the committed .mo
files (read at run time on a fresh clone) match their .po sources.

After changing texts: from matcher/, run
``pybabel extract -F babel.cfg -k _l -o translations/messages.pot .``,
``pybabel update -i translations/messages.pot -d translations``, translate, then
``pybabel compile -d translations``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

MATCHER = Path(__file__).resolve().parents[2] / "matcher"
TRANSLATIONS = MATCHER / "translations"
LANGUAGES = ("nl", "en")


def flat(text: object) -> tuple[str, ...]:
    """Return singular and plural forms alike as a tuple."""
    return (text,) if isinstance(text, str) else tuple(text)  # type: ignore[arg-type]


def extracted_ids() -> set[str]:
    with open(MATCHER / "babel.cfg", encoding="utf-8") as config:
        method_map, options_map = parse_mapping_cfg(config)
    keywords = {"_": None, "_l": None, "gettext": None, "ngettext": (1, 2)}
    ids: set[str] = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(MATCHER), method_map, options_map, keywords=keywords
    ):
        ids.add(message if isinstance(message, str) else message[0])
    return ids


def catalog_ids(language: str) -> dict[str, object]:
    with open(TRANSLATIONS / language / "LC_MESSAGES" / "messages.po", "rb") as source:
        catalog = read_po(source)
    return {
        (message.id if isinstance(message.id, str) else message.id[0]): message.string
        for message in catalog
        if message.id
    }


def test_every_text_of_the_pages_has_a_dutch_translation() -> None:
    dutch = catalog_ids("nl")
    found = extracted_ids()

    missing = sorted(text for text in found if not dutch.get(text))
    assert missing == [], "run pybabel extract/update and translate these"
    assert len(found) > 250


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_compiled_catalogues_match_their_sources(language: str) -> None:
    folder = TRANSLATIONS / language / "LC_MESSAGES"
    with open(folder / "messages.po", "rb") as source:
        po = {flat(message.id): flat(message.string) for message in read_po(source) if message.id}
    with open(folder / "messages.mo", "rb") as compiled:
        mo = {flat(message.id): flat(message.string) for message in read_mo(compiled) if message.id}

    assert mo == po, "run: pybabel compile -d matcher/translations"

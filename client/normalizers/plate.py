"""Licence plates: letters and digits only, upper case (``12-ABC-3`` → ``12ABC3``).

Plates abroad are accepted as written. Cyrillic letters that look like Latin ones (Bulgarian and
Ukrainian plates use only those) become the Latin letter they look like, so a plate typed from
a photo matches the same plate typed in Latin; other scripts are transliterated. The country is
not part of the key: the same characters on plates of two countries match.
"""

from __future__ import annotations

import re

from client.errors import NormalizationError
from client.normalizers._text import check_context, check_text, fold, refuse_placeholder

KIND = "plate"
MIN_CHARS = 2
MAX_CHARS = 12
_NO_CONTEXT: frozenset[str] = frozenset()
_LOOKALIKES = str.maketrans("АВЕКМНОРСТУХІ" + "авекмнорстухі", "ABEKMHOPCTYXI" + "ABEKMHOPCTYXI")
_NOT_ALNUM = re.compile(r"[^a-z0-9]+")
_CANONICAL = re.compile(rf"[A-Z0-9]{{{MIN_CHARS},{MAX_CHARS}}}")


def normalize(raw: str, /, **context: str) -> str:
    """Return the plate's letters and digits in upper case."""
    text = check_text(KIND, raw)
    if context:
        check_context(KIND, context, _NO_CONTEXT)
    if not text.isascii():
        text = text.translate(_LOOKALIKES)
    plate = _NOT_ALNUM.sub("", fold(text)).upper()
    if len(plate) < MIN_CHARS:
        raise NormalizationError(KIND, f"fewer than {MIN_CHARS} letters and digits")
    if len(plate) > MAX_CHARS:
        raise NormalizationError(KIND, f"more than {MAX_CHARS} letters and digits")
    return refuse_placeholder(KIND, plate)


def match_keys(canonical: str) -> list[tuple[str, str]]:
    """Return the one key of a plate: its letters and digits."""
    if not _CANONICAL.fullmatch(canonical):
        raise NormalizationError(KIND, "not a canonical plate")
    return [("plate", canonical)]

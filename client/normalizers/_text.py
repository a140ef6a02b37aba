"""Shared text handling for the normalizers: input checks and folding to lower-case ASCII.

Every kind module calls ``check_text`` and ``check_context`` first, so that the rules for what
counts as input (text, not empty, not absurdly long, only known context keys) are the same for
every kind and never echo the value they reject.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable, Mapping
from typing import Any, TypeVar, cast

from anyascii import anyascii

from client.errors import NormalizationError
from client.normalizers._placeholders import PLACEHOLDER_RULE, is_placeholder
from client.normalizers._several import refuse_several

_Normalizer = TypeVar("_Normalizer", bound=Callable[..., Any])

#: Entries per kind in the caches of the slower normalizers (values recur across rows).
CACHE_SIZE = 16384
#: Longer inputs are pasted text, not identifiers; the cap also bounds the regex work per value.
MAX_INPUT_CHARS = 500

#: Characters copied from web pages, PDFs and word processors that look like plain ones:
#: every Unicode space and line break, invisible formatting characters and the dashes.
_LOOKALIKES = str.maketrans(
    {
        **{char: " " for char in "\t\v\f\u00a0\u1680\u180e\u202f\u205f\u3000"},
        **{chr(code): " " for code in range(0x2000, 0x200B)},
        **{char: "\n" for char in "\u0085\u2028\u2029"},
        **{char: None for char in "\u00ad\u200b\u200c\u200d\u200e\u200f\u2060\ufeff"},
        **{chr(code): None for code in range(0x202A, 0x202F)},
        **{char: "-" for char in "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"},
    }
)
#: A '?' against a letter: a letter Excel's Windows-1252 CSV could not hold ('Ș' → '?').
_LOST_LETTER = re.compile(r"[^\W\d_]\?|\?[^\W\d_]")
LOST_LETTERS_RULE = (
    "letters lost in the export ('?' in a word): save it as CSV UTF-8 or use the .xlsx file"
)
_APOSTROPHES = re.compile(r"['`´ʼ’‘]")
_WORDS = re.compile(r"[a-z0-9]+")


def tidy(text: str) -> str:
    """Return text with look-alike spaces, dashes and line breaks made plain, invisibles gone.

    A non-breaking space copied from a bank's web page, a zero-width space from a PDF, a
    Windows line break or full-width digits then read like what the clerk saw.
    """
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if text.isascii():
        return text.replace("\t", " ") if "\t" in text else text
    return unicodedata.normalize("NFKC", text.translate(_LOOKALIKES)).translate(_LOOKALIKES)


def check_text(kind: str, raw: object, *, placeholders: bool = True) -> str:
    """Return raw tidied and stripped, or refuse non-text, empty, huge or placeholder input.

    Kinds whose own rules refuse every placeholder anyway pass ``placeholders=False`` and name
    the placeholder rule only for what they refuse (``placeholder_on_failure``): a valid phone
    number then costs no placeholder check.
    """
    if not isinstance(raw, str):
        raise NormalizationError(kind, "input must be text")
    if len(raw) > MAX_INPUT_CHARS:
        raise NormalizationError(kind, f"longer than {MAX_INPUT_CHARS} characters")
    text = tidy(raw).strip()
    if not text:
        raise NormalizationError(kind, "empty")
    if placeholders and is_placeholder(kind, text):
        raise NormalizationError(kind, PLACEHOLDER_RULE)
    try:
        refuse_several(kind, text)
    except NormalizationError:
        if not is_placeholder(kind, text):  # 'n/a' is one placeholder, not two values
            raise
    else:
        return text
    raise NormalizationError(kind, PLACEHOLDER_RULE)


def placeholder_on_failure(kind: str) -> Callable[[_Normalizer], _Normalizer]:
    """Make a normalizer refuse with the placeholder rule whatever it refuses that is one."""

    def decorate(function: _Normalizer) -> _Normalizer:
        @functools.wraps(function)
        def normalize(raw: str, /, **context: Any) -> Any:
            try:
                return function(raw, **context)
            except NormalizationError:
                text = tidy(raw).strip() if isinstance(raw, str) else ""
                if not (text and len(raw) <= MAX_INPUT_CHARS and is_placeholder(kind, text)):
                    raise
            raise NormalizationError(kind, PLACEHOLDER_RULE)

        return cast(_Normalizer, normalize)

    return decorate


def check_context(kind: str, context: Mapping[str, object], allowed: frozenset[str]) -> None:
    """Refuse context keys the kind does not know and context values that are not text."""
    for key, value in context.items():
        if key not in allowed:
            raise NormalizationError(kind, f"unknown context key {str(key)[:30]!r}")
        if not isinstance(value, str):
            raise NormalizationError(kind, f"context {key!r} must be text")


def refuse_placeholder(kind: str, canonical: str) -> str:
    """Return a canonical form, or refuse it when it is a placeholder ('Dr. X' → 'x').

    Reading a canonical form back checks it as raw input: refusing it here too keeps every
    accepted form a fixed point.
    """
    if is_placeholder(kind, canonical):
        raise NormalizationError(kind, PLACEHOLDER_RULE)
    return canonical


def refuse_lost_letters(kind: str, text: str) -> None:
    """Refuse a name in which the export replaced letters by '?': it would become another name.

    Kept out of exact name keys only: a fuzzy (near) level may still compare the intact parts.
    """
    if "?" in text and _LOST_LETTER.search(text):
        raise NormalizationError(kind, LOST_LETTERS_RULE)


def context_value(context: Mapping[str, str], key: str) -> str | None:
    """Return a stripped context value, treating an empty one (an empty cell) as absent."""
    value = context.get(key)
    if value is None:
        return None
    value = value.strip()
    return value or None


@functools.lru_cache(maxsize=4096)
def _fold_char(char: str) -> str:
    """Transliterate one non-ASCII character; drop symbols and invisible characters."""
    # Emoji and other symbols would otherwise become words (anyascii writes ':kiss:').
    if char in "`´":
        return "'"  # an apostrophe typed as an accent: kept, so `t reads like 't
    if unicodedata.category(char)[0] in "SCZ":
        return " "
    return anyascii(char)


def fold(text: str) -> str:
    """Return text in lower-case ASCII: diacritics dropped, other scripts transliterated."""
    if not text.isascii():
        # ș ş → s, ț ţ → t, ő → o, ß → ss, Cyrillic → Latin: one spelling per name.
        text = "".join(map(_fold_char, text))
    return text.lower()


def drop_apostrophes(text: str) -> str:
    """Remove apostrophes so that O'Neil and ONeil, 's-Gravenhage and s-Gravenhage agree."""
    return _APOSTROPHES.sub("", text)


def words(folded: str) -> list[str]:
    """Split folded text into its alphanumeric words, ignoring punctuation."""
    return _WORDS.findall(drop_apostrophes(folded))

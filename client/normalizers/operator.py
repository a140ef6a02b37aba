"""Operators (businesses): names folded, legal forms stripped, legal and trade name both kept.

``Club Rood B.V. h.o.d.n. Velvet Lounge`` becomes ``clubrood:bv|velvetlounge``: the legal name
first, then each trade name, each folded to lower-case letters and digits and written as one word
(so ``Club Rood`` and ``ClubRood`` agree). The legal form (B.V., V.O.F., stichting, SRL, GmbH,
Ltd, ...) is taken off the name and kept, as a one-word code after a colon, when the legal name
is written with one (``b.v.``, ``BV`` and ``besloten vennootschap`` are all ``bv``); status
suffixes (i.o., U.A.) and ``eenmanszaak`` are dropped without a code. ``&``, ``en``, ``and``,
``und`` and ``et`` between words are dropped, so ``Jansen & Zn`` equals ``Jansen en Zn``.

Levels: ``legal_name`` for the first name without its form, ``trade_name`` for every name the
business is known by, its legal name included, so that a trade name one agency records matches
the same name recorded as the legal name by another; and ``registered``, the legal name with its
legal form, when one is written. A name alone is shared by many businesses ('Salon Luna' in many
towns); a name with the same legal form is close to unique in the commercial register.
"""

from __future__ import annotations

import functools
import re

from client.errors import NormalizationError
from client.normalizers._legal_forms import (
    JOINED_FORMS,
    JOINED_MARKERS,
    TRADING_AS,
    split_forms,
)
from client.normalizers._placeholders import PLACEHOLDER_RULE, is_placeholder
from client.normalizers._text import (
    CACHE_SIZE,
    check_context,
    check_text,
    drop_apostrophes,
    fold,
    refuse_lost_letters,
)

KIND = "operator"
MAX_TRADE_NAMES = 3
_NO_CONTEXT: frozenset[str] = frozenset()
_WORDS = re.compile(r"[a-z0-9]+|&")
_CONJUNCTIONS = frozenset({"&", "en", "and", "und", "et"})
#: 't Hoekje is Het Hoekje: the clipped article, written with any apostrophe fold gives.
_CLIPPED_HET = re.compile(r"(?<![a-z0-9])['`]t(?![a-z0-9])")
_CANONICAL = re.compile(rf"([a-z0-9]+)(?::([a-z]+))?((?:\|[a-z0-9]+){{0,{MAX_TRADE_NAMES}}})")
#: between the legal name and the code of its legal form in the canonical form
FORM_MARK = ":"


def _name(text: str) -> tuple[str, str | None]:
    """Return one name folded to a single word without legal forms and conjunctions, and the
    code of its legal form (None when it is written without one)."""
    found = _WORDS.findall(text)
    if len(found) > 2:
        inner = [word for word in found[1:-1] if word not in _CONJUNCTIONS]
        found = [found[0], *inner, found[-1]]
    words, form = split_forms([word for word in found if word != "&"])
    joined = "".join(words)
    if joined in JOINED_FORMS or joined in JOINED_MARKERS:
        return "", None
    return joined, form


def normalize(raw: str, /, **context: str) -> str:
    """Return 'legal' or 'legal|trade|...' for a business name, with or without h.o.d.n."""
    text = check_text(KIND, raw, placeholders=False)
    if context:
        check_context(KIND, context, _NO_CONTEXT)
    refuse_lost_letters(KIND, text)
    return _normalize(text)


@functools.lru_cache(maxsize=CACHE_SIZE)
def _normalize(text: str) -> str:
    """Normalize a stripped business name; cached, since one operator fills many rows."""
    if is_placeholder(KIND, text):
        raise NormalizationError(KIND, PLACEHOLDER_RULE)
    folded = fold(text)
    if "'t" in folded or "`t" in folded:
        folded = _CLIPPED_HET.sub("het", folded)
    folded = drop_apostrophes(folded)
    # '|' separates the names in the canonical form, so reading it back gives the same names.
    if "|" in folded or TRADING_AS.search(folded):
        parts = TRADING_AS.sub("|", folded).split("|")
    else:
        parts = [folded]
    legal, form = _name(parts[0])
    if not legal:
        raise NormalizationError(KIND, "the (legal) name is empty or only a legal form")
    if is_placeholder(KIND, legal):
        raise NormalizationError(KIND, PLACEHOLDER_RULE)
    names = [legal]
    for part in parts[1:]:
        trade, _ = _name(part)
        if trade and trade not in names and not is_placeholder(KIND, trade):
            names.append(trade)
    if len(names) > 1 + MAX_TRADE_NAMES:
        raise NormalizationError(KIND, f"more than {MAX_TRADE_NAMES} trade names")
    # Each name was checked: joined, they hold no placeholder that neither holds alone.
    if form is not None:
        names[0] = f"{legal}{FORM_MARK}{form}"
    return "|".join(names)


def parts(canonical: str) -> tuple[str, str | None, list[str]]:
    """Return the legal name, the code of its legal form (or None) and the trade names."""
    found = _CANONICAL.fullmatch(canonical)
    if found is None:
        raise NormalizationError(KIND, "not a canonical operator name")
    legal, form, trades = found.groups()
    return legal, form, trades.split("|")[1:]


def match_keys(canonical: str) -> list[tuple[str, str]]:
    """Return the legal name key, one trade name key per name (the legal name included), and the
    registered name (legal name with its legal form) when a form is written."""
    legal, form, trades = parts(canonical)
    keys = [("legal_name", legal), ("trade_name", legal)]
    keys += [("trade_name", name) for name in trades if name != legal]
    if form is not None:
        keys.append(("registered", f"{legal}{FORM_MARK}{form}"))
    return keys

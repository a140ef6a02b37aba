"""Placeholders: cells that mean 'unknown' or 'not applicable' written where an identifier goes.

``onbekend``, ``n.v.t.``, ``geen kenteken``, ``NN``, ``-``, ``#N/B`` and their kind are not
identifiers: if they were tokenized, every agency's 'unknown' would match every other agency's
and flood the coordinators with false alerts. A text is a placeholder when, read as words
(folded, punctuation ignored, runs of single letters joined so ``n.v.t.`` is ``nvt``), every
word is a placeholder word or a word naming the field (``kenteken``, ``telefoonnummer``), and at
least one says 'nothing' (``onbekend``, ``geen``, ``nvt``, ``nn``). So ``Kenteken: onbekend``
and ``geen vast adres`` are placeholders, ``Geen Limiet B.V.`` is not. Lists per kind add what
only that kind writes: role words for persons (``slachtoffer 2``), ``particulier`` for operators,
masked digits (``06-xxxxxxxx``) for numbers, and one repeated character (``000000``).
"""

from __future__ import annotations

import re

from anyascii import anyascii

PLACEHOLDER_RULE = "placeholder, not an identifier"
#: Longer texts are not placeholders (and are never looked up, which keeps the check cheap).
_MAX_CHARS = 60


def _wordset(text: str) -> frozenset[str]:
    return frozenset(text.split())


#: Words that say 'nothing here', Dutch and English, after joining single letters (n.v.t. → nvt).
_NOTHING = _wordset(
    """
    onbekend onbekende onbek onb unknown unk nvt nvtt na nb nbk nn nnb ntb nee no
    geen zonder none nil null nan leeg lege empty blank niets nothing niet not nog
    tbd tba tbc volgt nader idem dito ditto zelfde same ibid zie see
    anoniem anonieme anonymous anon afgeschermd geheim redacted verwijderd deleted
    test dummy voorbeeld example invullen ingevuld onleesbaar unreadable illegible
    diverse divers various meerdere multiple weetniet gvwv gvw zvwp zvw vow rni
    noemail nomail geenemail geenmail noreply donotreply
    """
)
#: Words that name the field or fill the phrase ('kenteken onbekend', 'niet van toepassing').
_FILLERS = _wordset(
    """
    bekend toepassing van te bepalen boven onder hierboven dossier bijlage opmerking opmerkingen
    als vermeld opgegeven bekend available applicable known given provided above below file
    of de het een the is a an ik weet idee or en and nummer number nr no tel telnr telefoon
    telefoonnummer mobiel mobile gsm phone kenteken nummerbord plaat plate licence license
    registration auto voertuig vehicle car email mail adres address emailadres mailadres
    woonadres verblijfplaats woonplaats woon verblijf vast vaste vertrokken waarheen
    postcode huisnummer straat naam name persoon person achternaam voornaam bedrijf
    bedrijfsnaam firma onderneming company business handelsnaam iban rekening rekeningnummer
    bankrekening account bank kvk kvknummer inschrijving website site url web webadres
    homepage link internet reply do e verblijfadres verblijfsadres woonplaatsadres buitenlands
    buitenlandse nederlands nederlandse 06 telnummer mobielnummer
    """
)
#: Per kind: words that are placeholders only there (a role is no name; 'particulier' is no firm).
_NOTHING_BY_KIND: dict[str, frozenset[str]] = {
    "person": _wordset(
        """
        slachtoffer verdachte betrokkene melder getuige klant bewoner eigenaar huurder
        exploitant beheerder medewerker medewerkster sekswerker prostituee victim suspect
        witness client customer man vrouw meisje jongen dame heer male female woman girl boy
        onbekende persoon x y
        """
    ),
    "operator": frozenset({"particulier", "prive", "private", "zzp", "zzper", "exploitant"}),
    "address": frozenset({"buitenland", "abroad", "prive", "postadres"}),
    "phone": frozenset({"prive", "private", "afgeschermd", "geheim"}),
}
#: Whole texts that are placeholders for persons: names used to mean 'anyone'.
_PLACEHOLDER_NAMES = frozenset(
    {"john doe", "jane doe", "jan modaal", "max mustermann", "erika mustermann", "nomen nescio"}
)
#: Mailboxes that say 'no e-mail address': 'geen@geen.nl', 'onbekend@gmail.com'.
_NO_MAILBOX = _wordset(
    """
    geen onbekend nvt none noemail nomail geenemail geenmail noreply donotreply unknown leeg
    """
)
#: Kinds whose identifiers are codes: 'xxx' there is a masked or unknown part.
_CODE_KINDS = frozenset({"phone", "iban", "kvk", "plate"})
#: Excel's error values, which land in an export where a formula failed.
_EXCEL_ERROR = re.compile(
    r"#(?:n/?[ab]|name\?|naam\?|value!|waarde!|ref!|verw!|div/0!|deel/0!|null!|leeg!"
    r"|num!|getal!|spill!|calc!|getting_data)",
    re.IGNORECASE,
)
_WORDS = re.compile(r"[a-z0-9]+")
_MASKED = re.compile(r"xxx|\?\?\?|\*\*\*")


def _words(text: str) -> list[str]:
    """Return the folded words of text with runs of single letters joined ('n v t' → 'nvt')."""
    found = _WORDS.findall(anyascii(text).lower().replace("'", ""))
    joined: list[str] = []
    run = ""
    for word in found:
        if len(word) == 1 and word.isalpha():
            run += word
            continue
        if run:
            joined.append(run)
            run = ""
        joined.append(word)
    if run:
        joined.append(run)
    return joined


def _placeholder(kind: str, text: str) -> bool:
    if _EXCEL_ERROR.fullmatch(text):
        return True
    found = _words(text)
    if not found:
        return True  # '-', '?', '...', '#': no letters or digits at all
    if kind == "email" and "@" in text:
        mailbox = "".join(_words(text.rpartition("@")[0].partition("+")[0]))
        return mailbox in _NO_MAILBOX or set(mailbox) == {"x"}
    if set("".join(found)) == {"x"}:
        return True  # 'x', 'XXX', 'xx-xx-xx'
    if kind in _CODE_KINDS and _MASKED.search(text.lower()):
        return True
    if kind in ("phone", "plate") and set("".join(found)) == {"0"}:
        return True  # '00-00-00', '0000000000'
    if kind == "person" and " ".join(found) in _PLACEHOLDER_NAMES:
        return True
    nothing = _NOTHING_BY_KIND.get(kind, frozenset())
    said_nothing = False
    for word in found:
        if word in _NOTHING or word in nothing:
            said_nothing = True
        elif word in _FILLERS or (kind == "person" and word.isdigit()):
            continue
        else:
            return False
    return said_nothing


#: Every placeholder starts with one of these words, a single letter (n.v.t.), x's or digits,
#: or holds '#', '?', '***' or 'xxx'. Checking the first word rules out almost every real
#: identifier at once, so the full check runs on few cells.
_FIRST_WORDS = _NOTHING.union(
    _FILLERS, *_NOTHING_BY_KIND.values(), (name.split()[0] for name in _PLACEHOLDER_NAMES)
)
_FIRST_WORD = re.compile(r"[^a-z0-9]*([a-z0-9]*)")


def _may_be_placeholder(kind: str, lowered: str) -> bool:
    first = _FIRST_WORD.match(lowered)[1]  # type: ignore[index]  # always matches
    if len(first) <= 1 or first in _FIRST_WORDS or not first.strip("x0"):
        return True
    if first.isdigit() and kind == "person":
        return True  # '2 slachtoffers': digits are no part of a name
    return "#" in lowered or "?" in lowered or "***" in lowered or "xxx" in lowered


def is_placeholder(kind: str, text: str) -> bool:
    """Say whether a stripped cell text means 'unknown' or 'not applicable' for kind."""
    if len(text) > _MAX_CHARS:
        return False
    if text.isascii() and not _may_be_placeholder(kind, text.lower().replace("'", "")):
        return False
    return _placeholder(kind, text)


def placeholder_words(kind: str) -> frozenset[str]:
    """Return the words that say 'nothing' for kind (documented in docs/normalization.md)."""
    return _NOTHING | _NOTHING_BY_KIND.get(kind, frozenset())

"""The identifier kinds, each declared once as a spec that every layer reads.

A :class:`KindSpec` says everything the product knows about a kind: its match levels (what
each means and how identifying it is), the context its normalizer takes, the module that
normalizes it, its words in Dutch and English (labels and the phrase of an alert's explanation),
how the note guard recognises it in free text, and its row in docs/normalization.md. Wire
validation, the normalizer registry, the token schemes, the explanations, the dashboard and
the note guard all ask :func:`spec`; none keeps its own list of kinds.

Adding a kind is one entry in :data:`BUILT_IN`, one normalizer module, a golden file and the
words below. :func:`register` adds a kind at run time (tests use it for a throwaway kind) and
:func:`unregister` removes it again.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import StrEnum
from types import ModuleType

from client import identifier_search as search


class Kind(StrEnum):
    """The built-in identifier kinds (the registry may hold more, see :func:`register`)."""

    PHONE = "phone"
    EMAIL = "email"
    ADDRESS = "address"
    OPERATOR = "operator"
    PERSON = "person"
    IBAN = "iban"
    KVK = "kvk"
    PLATE = "plate"
    URL = "url"


class Strength(StrEnum):
    """How identifying a match on one level is on its own; alert strength rules read this."""

    IDENTIFYING = "identifying"  # points at one person, firm or account
    PARTIAL = "partial"  # points at a small group (a household, a group of firms)
    WEAK = "weak"  # shared by many by chance (a common name, a building)


class Match(StrEnum):
    """Whether a level's keys are the canonical value itself or a near variant of it."""

    EXACT = "exact"
    NEAR = "near"


#: the languages every text of a spec is written in
LANGUAGES = ("nl", "en")
#: longest kind name the matcher's tables store
MAX_NAME_CHARS = 10
_NAME = re.compile(rf"[a-z][a-z0-9_]{{0,{MAX_NAME_CHARS - 1}}}")


@dataclass(frozen=True)
class Text:
    """One text in both languages of the product."""

    en: str
    nl: str

    def in_language(self, language: str) -> str:
        """Return the text in language (English for a language the product does not speak)."""
        return self.nl if language == "nl" else self.en


@dataclass(frozen=True)
class Level:
    """One match level of a kind: the key it yields and what a match on it tells."""

    name: str
    meaning: str
    strength: Strength
    label: Text
    #: how a shared key of this level reads in an alert's explanation ("a phone number")
    phrase: Text
    match: Match = Match.EXACT
    #: for a near level: how two spellings that share a key of it differ, as a sentence
    difference: Text | None = None
    #: the level whose token domain this level's keys are tokenized in (None: its own). A label
    #: that shares another level's tokens tells the matcher something about the spelling only:
    #: ``address/no_addition`` is the building token of an address written without an addition.
    shares_domain: str | None = None


@dataclass(frozen=True)
class NoteGuard:
    """How a kind is recognised in free text; ``rule`` is the stable name a refusal gives."""

    rule: str
    label: Text
    find: Callable[[str], bool]


@dataclass(frozen=True)
class KindSpec:
    """Everything about one identifier kind, in one place."""

    name: str
    label: Text
    levels: tuple[Level, ...]
    #: dotted name of the module with ``normalize(raw, /, **context)`` and ``match_keys``
    normalizer: str
    #: the context keys its normalizer takes (a region hint, a date of birth, a country)
    context: tuple[str, ...] = ()
    note_guard: NoteGuard | None = None
    #: docs/normalization.md: canonical forms shown as examples (Markdown, ``|`` escaped)
    example: str = ""
    _levels: dict[str, Level] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not _NAME.fullmatch(self.name):
            raise ValueError(f"a kind name is 1 to {MAX_NAME_CHARS} lower-case letters or digits")
        if not self.levels:
            raise ValueError("a kind has at least one level")
        names = [level.name for level in self.levels]
        if len(set(names)) != len(names):
            raise ValueError("the levels of a kind have distinct names")
        for level in self.levels:
            if level.shares_domain is not None and level.shares_domain not in names:
                raise ValueError("a level shares the token domain of a level of its own kind")
        object.__setattr__(self, "_levels", {level.name: level for level in self.levels})

    @property
    def level_names(self) -> tuple[str, ...]:
        return tuple(self._levels)

    def level(self, name: str) -> Level | None:
        """Return the level called name, None when the kind has no such level."""
        return self._levels.get(name)

    def module(self) -> ModuleType:
        """Return the normalizer module (imported on first use: it may import the wire)."""
        return importlib.import_module(self.normalizer)


def _level(
    name: str, meaning: str, strength: Strength, label: tuple[str, str], phrase: tuple[str, str]
) -> Level:
    return Level(name, meaning, strength, Text(*label), Text(*phrase))


def _near(
    name: str,
    meaning: str,
    strength: Strength,
    label: tuple[str, str],
    phrase: tuple[str, str],
    difference: tuple[str, str],
) -> Level:
    """Return a near level: its keys are neighbours of the canonical value (neighbourhoods.py)."""
    return Level(
        name, meaning, strength, Text(*label), Text(*phrase), Match.NEAR, Text(*difference)
    )


def _guard(rule: str, label: tuple[str, str], find: Callable[[str], bool]) -> NoteGuard:
    return NoteGuard(rule, Text(*label), find)


ID, PART, WEAK = Strength.IDENTIFYING, Strength.PARTIAL, Strength.WEAK

#: the kinds the federation matches on, in the order pages and documents list them
BUILT_IN: tuple[KindSpec, ...] = (
    KindSpec(
        Kind.PHONE,
        Text("phone number", "telefoonnummer"),
        (
            _level(
                "e164",
                "the number in E.164",
                ID,
                ("exact number", "exact nummer"),
                ("a phone number", "een telefoonnummer"),
            ),
            _near(
                "e164_swap",
                "the number with one pair of adjacent digits in sorted order, per position",
                ID,
                ("number with two swapped digits", "nummer met twee verwisselde cijfers"),
                (
                    "a phone number up to two swapped digits",
                    "een telefoonnummer op twee verwisselde cijfers na",
                ),
                (
                    "the phone numbers differ in two swapped digits",
                    "de telefoonnummers verschillen in twee verwisselde cijfers",
                ),
            ),
        ),
        "client.normalizers.phone",
        context=("region",),
        note_guard=_guard(
            "phone number", ("a phone number", "een telefoonnummer"), search.has_phone
        ),
        example="`+31612345678`",
    ),
    KindSpec(
        Kind.EMAIL,
        Text("e-mail address", "e-mailadres"),
        (
            _level(
                "mailbox",
                "the mailbox, provider aliases folded",
                ID,
                ("mailbox", "mailbox"),
                ("an e-mail address", "een e-mailadres"),
            ),
        ),
        "client.normalizers.email",
        note_guard=_guard(
            "e-mail address",
            ("an e-mail address", "een e-mailadres"),
            search.searching(search.EMAIL),
        ),
        example="`anapopescu@gmail.com`",
    ),
    KindSpec(
        Kind.ADDRESS,
        Text("address", "adres"),
        (
            _level(
                "unit",
                "the dwelling: street or postcode, house number and addition",
                ID,
                ("exact address", "exact adres"),
                ("an address", "een adres"),
            ),
            _level(
                "building",
                "the building: the address without its addition",
                WEAK,
                ("building", "pand"),
                ("a building address", "een pandadres"),
            ),
            Level(
                "no_addition",
                "the building of an address written without an addition: the building token,"
                " labelled so that one address lacking the addition of the other is told from"
                " two different additions",
                ID,
                Text("address without its addition", "adres zonder toevoeging"),
                Text(
                    "an address up to a missing house-number addition",
                    "een adres op een ontbrekende huisnummertoevoeging na",
                ),
                Match.NEAR,
                Text(
                    "one address lacks the house-number addition of the other",
                    "bij één adres ontbreekt de huisnummertoevoeging van het andere",
                ),
                shares_domain="building",
            ),
        ),
        "client.normalizers.address",
        context=("country",),
        note_guard=_guard("postcode", ("a postcode", "een postcode"), search.has_postcode),
        example=(
            "`NL 3811AB 14-A` · `DE 10115 invalidenstrasse 117` · `NL hoofdstraat 14-A, amersfoort`"
        ),
    ),
    KindSpec(
        Kind.OPERATOR,
        Text("operator", "exploitant"),
        (
            _level(
                "legal_name",
                "the legal name without its legal form: a name only",
                WEAK,
                ("legal name", "statutaire naam"),
                ("an operator's legal name", "de statutaire naam van een exploitant"),
            ),
            _level(
                "trade_name",
                "the name the operator trades under: a name only",
                WEAK,
                ("trade name", "handelsnaam"),
                ("an operator's trade name", "de handelsnaam van een exploitant"),
            ),
            _level(
                "registered",
                "the legal name with its legal form (B.V., V.O.F., stichting, ...), as registered",
                PART,
                ("registered name with legal form", "ingeschreven naam met rechtsvorm"),
                (
                    "an operator's legal name with its legal form",
                    "de statutaire naam met rechtsvorm van een exploitant",
                ),
            ),
            _near(
                "legal_near",
                "a legal name written without a legal form and each one-letter deletion of it",
                WEAK,
                ("legal name, one letter apart", "statutaire naam, één letter verschil"),
                (
                    "an operator's legal name up to one letter",
                    "de statutaire naam van een exploitant op één letter na",
                ),
                (
                    "the legal names differ in at most one letter",
                    "de statutaire namen verschillen in hooguit één letter",
                ),
            ),
            _near(
                "reg_near",
                "a legal name written with a legal form and each one-letter deletion of it, each"
                " with that legal form",
                PART,
                (
                    "registered name one letter apart, same legal form",
                    "ingeschreven naam met één letter verschil, zelfde rechtsvorm",
                ),
                (
                    "an operator's legal name up to one letter, with the same legal form",
                    "de statutaire naam van een exploitant op één letter na, met dezelfde"
                    " rechtsvorm",
                ),
                (
                    "the legal names differ in at most one letter; the legal forms are the same",
                    "de statutaire namen verschillen in hooguit één letter; de rechtsvormen zijn"
                    " gelijk",
                ),
            ),
        ),
        "client.normalizers.operator",
        example="`clubrood` · `clubrood:bv\\|velvetlounge`",
    ),
    KindSpec(
        Kind.PERSON,
        Text("person", "persoon"),
        (
            _level(
                "name",
                "the name alone, shared by namesakes",
                WEAK,
                ("name only", "alleen naam"),
                ("a person's name", "de naam van een persoon"),
            ),
            _level(
                "name_dob",
                "the name with the date of birth",
                ID,
                ("name and date of birth", "naam en geboortedatum"),
                ("a person's name and date of birth", "de naam en geboortedatum van een persoon"),
            ),
            _near(
                "near_dob",
                "the name and each one-letter deletion of it, with the date of birth whose day"
                " and month are written in sorted order",
                ID,
                (
                    "name one letter apart, with date of birth",
                    "naam met één letter verschil, met geboortedatum",
                ),
                (
                    "a person's name up to one letter, with the date of birth",
                    "de naam van een persoon op één letter na, met geboortedatum",
                ),
                (
                    "the names differ in at most one letter, or day and month of birth are swapped",
                    "de namen verschillen in hooguit één letter, of dag en maand van geboorte"
                    " zijn verwisseld",
                ),
            ),
        ),
        "client.normalizers.person",
        context=("dob",),
        example="`ana maria popescu` · `ana maria popescu\\|1990-03-07`",
    ),
    KindSpec(
        Kind.IBAN,
        Text("IBAN", "IBAN"),
        (
            _level(
                "iban",
                "the bank account",
                ID,
                ("account", "rekening"),
                ("a bank account number (IBAN)", "een rekeningnummer (IBAN)"),
            ),
        ),
        "client.normalizers.iban",
        note_guard=_guard("IBAN", ("an IBAN", "een IBAN"), search.has_iban),
        example="`NL91ABNA0417164300`",
    ),
    KindSpec(
        Kind.KVK,
        Text("KvK number", "KvK-nummer"),
        (
            _level(
                "kvk",
                "the Chamber of Commerce registration",
                ID,
                ("registration", "inschrijving"),
                ("a Chamber of Commerce (KvK) number", "een KvK-nummer"),
            ),
        ),
        "client.normalizers.kvk",
        note_guard=_guard(
            "KvK number", ("a KvK number", "een KvK-nummer"), search.searching(search.KVK)
        ),
        example="`12345678`",
    ),
    KindSpec(
        Kind.PLATE,
        Text("licence plate", "kenteken"),
        (
            _level(
                "plate",
                "the registration plate",
                ID,
                ("plate", "kenteken"),
                ("a licence plate", "een kenteken"),
            ),
        ),
        "client.normalizers.plate",
        note_guard=_guard(
            "licence plate", ("a licence plate", "een kenteken"), search.searching(search.PLATE)
        ),
        example="`12ABC3`",
    ),
    KindSpec(
        Kind.URL,
        Text("website", "website"),
        (
            _level(
                "host",
                "the host name of a website",
                PART,
                ("host name", "hostnaam"),
                ("a website", "een website"),
            ),
        ),
        "client.normalizers.url",
        note_guard=_guard(
            "web address", ("a web address", "een webadres"), search.searching(search.WEB_ADDRESS)
        ),
        example="`club-rood.nl`",
    ),
)

_REGISTRY: dict[str, KindSpec] = {spec.name: spec for spec in BUILT_IN}


def spec(name: str) -> KindSpec | None:
    """Return the spec of the kind called name, None when no such kind is registered."""
    return _REGISTRY.get(name) if isinstance(name, str) else None


def specs() -> tuple[KindSpec, ...]:
    """Return every registered kind, built-in ones first."""
    return tuple(_REGISTRY.values())


def names() -> tuple[str, ...]:
    """Return the names of every registered kind."""
    return tuple(_REGISTRY)


def levels(name: str) -> tuple[str, ...]:
    """Return the level names of a kind (empty for an unknown kind)."""
    found = spec(name)
    return found.level_names if found is not None else ()


def exact_levels(name: str) -> tuple[str, ...]:
    """Return the exact level names of a kind: the keys its normalizer's match_keys gives."""
    found = spec(name)
    if found is None:
        return ()
    return tuple(level.name for level in found.levels if level.match is Match.EXACT)


def near_levels(name: str) -> tuple[Level, ...]:
    """Return the near levels of a kind (empty for a kind without one or an unknown kind)."""
    found = spec(name)
    if found is None:
        return ()
    return tuple(level for level in found.levels if level.match is Match.NEAR)


def domain_level(kind: str, level: str) -> str:
    """Return the level whose token domain keys of (kind, level) are tokenized in.

    Schemes and the matcher's pepper separate tokens by this name, so a level declared with
    ``shares_domain`` yields the same token as that level for the same value; the level name
    itself still travels with the token and is stored with it.
    """
    found = spec(kind)
    declared = found.level(level) if found is not None else None
    if declared is None or declared.shares_domain is None:
        return level
    return declared.shares_domain


def register(new: KindSpec) -> None:
    """Add a kind; refuse a name that is taken."""
    if new.name in _REGISTRY:
        raise ValueError(f"the kind {new.name!r} is already registered")
    _REGISTRY[new.name] = new


def unregister(name: str) -> None:
    """Remove a kind added by :func:`register`; the built-in kinds stay."""
    if name in {kind.value for kind in Kind}:
        raise ValueError(f"the built-in kind {name!r} cannot be removed")
    _REGISTRY.pop(name, None)


@contextmanager
def registered(new: KindSpec) -> Iterator[KindSpec]:
    """Register a kind for the duration of a block, then remove it again."""
    register(new)
    try:
        yield new
    finally:
        unregister(new.name)

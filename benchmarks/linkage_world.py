"""A seeded world of agency exports: planted cross-agency links, clerical errors, look-alikes.

Used by ``linkage_quality.py``. Every planted link is one real entity (a phone, a mailbox, an
address, an operator, a person with a date of birth, an IBAN, a KvK number, a plate, and some
links that carry two kinds at once) recorded by two or three agencies, each in its own spelling.
A share of the spellings (``error_rate``) carries an ordinary clerical error of the kind's
error mix. Look-alikes that must not link (another last digit, another house-number addition, a
date of birth one day apart) are planted next to real links, and background signals draw their
values from the same skewed frequencies (common surnames, popular operator words, a shared
date-of-birth distribution), so coincidences happen as they do in real exports.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass, field

from stdnum import iban as stdnum_iban

COLUMNS = (
    "zaak",
    "datum",
    "telefoon",
    "email",
    "adres",
    "naam",
    "geboortedatum",
    "bedrijf",
    "iban",
    "kvk",
    "kenteken",
)
#: export column per identifier kind
KIND_COLUMNS = {
    "phone": "telefoon",
    "email": "email",
    "address": "adres",
    "operator": "bedrijf",
    "person": "naam",
    "iban": "iban",
    "kvk": "kvk",
    "plate": "kenteken",
}
LINK_SHAPES: tuple[tuple[str, ...], ...] = (
    ("phone",),
    ("email",),
    ("address",),
    ("operator",),
    ("person",),
    ("iban",),
    ("kvk",),
    ("plate",),
    ("person", "phone"),
    ("operator", "address"),
)


def _words(text: str) -> list[str]:
    """Split a comma-separated word list (names keep their spaces and diacritics)."""
    return text.split(",")


_SURNAMES = _words(
    "de Jong,Jansen,de Vries,van den Berg,van Dijk,Bakker,Janssen,Visser,Smit,Meijer,de Boer,"
    "Mulder,de Groot,Bos,Vos,Peters,Hendriks,van Leeuwen,Dekker,Brouwer,de Wit,Dijkstra,"
    "Smits,de Graaf,van der Meer,Popescu,Ionescu,Popa,Dumitru,Stoica,Nowak,Kowalska,"
    "Wiśniewska,Horváth,Nagy,Kovács,Ivanova,Petrova,Dimitrova,Georgieva,Nguyen,Tran,Santos,"
    "Oliveira,Yılmaz,Şahin,Kaya,Demir,Okafor,Adeyemi,Mureșan,Țurcanu,Srisuk,Rodríguez"
)
_FIRST_NAMES = _words(
    "Maria,Ana,Elena,Ioana,Daniela,Andreea,Anna,Katarzyna,Olga,Natalia,Svetlana,Fatma,Ayşe,"
    "Sanne,Emma,Lisa,Anouk,Fleur,Chioma,Thi,Linh,Siriporn,Lucía,Zsófia,Mihaela,Gabriela,Jan,"
    "Peter,Mohamed,Ahmet,Ion,Gheorghe,Tomasz,Dimitar"
)
_OPERATOR_WORDS = _words(
    "Salon,Massage,Club,Beauty,Wellness,Thai,Relax,Studio,Spa,Paradise,Diamond,Golden,Lotus,"
    "Oriental,Royal,Angel,Venus,Bella,Star,Rose,Velvet,Pearl,Orchid,Amber,Crystal,Happy,"
    "Sunrise,Bamboo,Jasmine,Harmony"
)
_OPERATOR_NAMES = _words(
    "Diamond,Lotus,Jade,Bambi,Fortuna,Aurora,Mirage,Sakura,Tiffany,Zafira,Oase,Sirocco,Luna,"
    "Valentina,Cleopatra,Esmeralda,Bounty,Charme,Delight,Eden,Flamingo,Gardenia,Hacienda,"
    "Ibiza,Kasbah,Lagune,Madonna,Nirwana,Odyssee,Palermo,Quattro,Riviera,Samba,Topaz,Utopia,"
    "Vanille,Wildrose,Xanadu,Yasmin,Zenit,De Linde,De Zwaan,Het Anker,De Kroon,Rood,Amstel,"
    "Maas,Vecht"
)
_SYLLABLES = _words("ka,ri,no,me,li,sa,do,ra,va,te,lo,mi,ne,za,bel,kor,tan,vi,sol,mar,den,ro")
_OPERATOR_FORMS = ("B.V.", "V.O.F.", "", "", "BV", "Holding B.V.")
_STREETS = _words(
    "Hoofdstraat,Kerkstraat,Dorpsstraat,Stationsweg,Molenweg,Schoolstraat,Julianastraat,"
    "Wilhelminastraat,Beatrixstraat,Nieuwstraat,Marktstraat,Parallelweg,Industrieweg,"
    "Kanaalweg,Oranjestraat,Emmastraat,Prins Hendrikkade,Oudegracht,Lange Voorhout,Binnenweg"
)
_PLACES = _words(
    "Amsterdam,Rotterdam,Den Haag,Utrecht,Eindhoven,Groningen,Tilburg,Almere,Breda,Nijmegen,"
    "Arnhem,Haarlem,Amersfoort,Zwolle,Leiden,Maastricht"
)
_MAIL_HOSTS = ("gmail.com", "hotmail.com", "outlook.com", "yahoo.com", "live.nl", "ziggo.nl")
_BANKS = ("ABNA", "INGB", "RABO", "SNSB", "TRIO", "BUNQ", "KNAB")
_PLATE_LETTERS = "BDFGHJKLNPRSTVXZ"
_CATEGORIES = ("inspection", "tip", "advertisement_monitoring", "permit_application")
_FOLD = str.maketrans("áàäâãåçéèëêíìïîñóòöôõőúùüûűşșţțıł", "aaaaaaceeeeiiiinoooooouuuuussttil")

#: clerical errors per kind (the default mix); each takes (rng, spelling) -> spelling
ERROR_KINDS = {
    "phone": ("swap_digits",),
    "email": ("case",),
    "address": ("drop_addition", "street_typo"),
    "operator": ("typo", "drop_form"),
    "person": ("typo", "swap_name_order", "drop_diacritics", "swap_day_month"),
    "iban": ("case",),
    "kvk": ("case",),
    "plate": ("case",),
}


def _zipf(rng: random.Random, items: list[str], exponent: float = 1.0) -> str:
    weights = [1 / (rank + 1) ** exponent for rank in range(len(items))]
    return rng.choices(items, weights)[0]


@dataclass
class Person:
    first: str
    last: str
    dob: dt.date


@dataclass
class Address:
    street: str
    number: int
    addition: str
    postcode: str
    place: str


@dataclass
class Entity:
    """The true values of one real-world subject; any field may be None when not part of it."""

    phone: str | None = None
    email: str | None = None
    address: Address | None = None
    operator: tuple[str, str] | None = None  # (name, legal form)
    person: Person | None = None
    iban: str | None = None
    kvk: str | None = None
    plate: str | None = None


@dataclass
class Signal:
    """One export row: which agency, which link it belongs to (None for background), its cells."""

    agency: int
    link: int | None
    cells: dict[str, str]
    errors: list[str] = field(default_factory=list)


@dataclass
class World:
    agencies: list[str]
    signals: list[Signal]
    link_kinds: dict[int, tuple[str, ...]]


_UNIQUE_KINDS = frozenset({"phone", "email", "iban", "kvk", "plate"})


class Maker:
    """Draws true values from the world's skewed frequencies."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        #: values one real-world thing holds alone: two entities never share a number or mailbox
        self.issued: set[str] = set()

    def phone(self) -> str:
        # 06-1 to 06-5 and 06-8: the mobile ranges in use (06-6, 06-7 and 06-9 are not)
        rest = "".join(self.rng.choice("0123456789") for _ in range(7))
        return "6" + self.rng.choice("123458") + rest

    def person(self) -> Person:
        rng = self.rng
        year = int(rng.triangular(1975, 2005, 1998))
        born = dt.date(year, 1, 1) + dt.timedelta(days=rng.randrange(365))
        return Person(_zipf(rng, _FIRST_NAMES), _zipf(rng, _SURNAMES, 0.8), born)

    def email(self) -> str:
        person = self.person()
        local = f"{person.first}.{person.last}".lower().replace(" ", "").translate(_FOLD)
        return f"{local}{self.rng.randrange(1, 999)}@{self.rng.choice(_MAIL_HOSTS)}"

    def address(self) -> Address:
        rng = self.rng
        addition = rng.choice(("A", "B", "1", "2", "3", "hs")) if rng.random() < 0.35 else ""
        postcode = f"{rng.randrange(1000, 9999)}{rng.choice('ABCDEGHJKLMNPRSTVWXZ')}" + rng.choice(
            "ABCDEGHJKLMNPRSTVWXZ"
        )
        return Address(
            _zipf(rng, _STREETS, 0.7),
            int(rng.paretovariate(1.2)) % 300 + 1,
            addition,
            postcode,
            _zipf(rng, _PLACES, 0.7),
        )

    def operator(self) -> tuple[str, str]:
        rng = self.rng
        # a popular word and a name of its own, as most registered business names are
        own = rng.choice(_OPERATOR_NAMES) if rng.random() < 0.3 else self._coined()
        words = [_zipf(rng, _OPERATOR_WORDS, 0.6), own]
        if rng.random() < 0.3:
            words.append(_zipf(rng, _PLACES, 0.7))
        return " ".join(dict.fromkeys(words)), rng.choice(_OPERATOR_FORMS)

    def _coined(self) -> str:
        """Return a made-up name of two or three syllables (Kirano, Melisa, Dorava)."""
        syllables = [self.rng.choice(_SYLLABLES) for _ in range(self.rng.choice((2, 3)))]
        return "".join(syllables).capitalize()

    def iban(self) -> str:
        account = "".join(self.rng.choice("0123456789") for _ in range(10))
        bban = self.rng.choice(_BANKS) + account
        return f"NL{stdnum_iban.calc_check_digits('NL00' + bban)}{bban}"

    def kvk(self) -> str:
        return str(self.rng.randrange(10_000_000, 99_999_999))

    def plate(self) -> str:
        rng = self.rng
        letters = "".join(rng.choice(_PLATE_LETTERS) for _ in range(3))
        return f"{rng.randrange(10, 99)}-{letters}-{rng.randrange(1, 9)}"

    def entity(self, kinds: tuple[str, ...]) -> Entity:
        entity = Entity()
        for kind in kinds:
            value = getattr(self, kind)()
            while kind in _UNIQUE_KINDS and value in self.issued:
                value = getattr(self, kind)()
            if kind in _UNIQUE_KINDS:
                self.issued.add(value)
            setattr(entity, kind, value)
        return entity


class Speller:
    """Writes a true value the way one agency's case system does, sometimes with an error."""

    def __init__(self, rng: random.Random, error_rate: float, mix: dict[str, tuple[str, ...]]):
        self.rng = rng
        self.error_rate = error_rate
        self.mix = mix

    def cells(self, entity: Entity) -> tuple[dict[str, str], list[str]]:
        cells: dict[str, str] = {}
        errors: list[str] = []
        for kind, column in KIND_COLUMNS.items():
            value = getattr(entity, kind)
            if value is None:
                continue
            error = None
            if self.mix.get(kind) and self.rng.random() < self.error_rate:
                error = self.rng.choice(self.mix[kind])
                errors.append(f"{kind}:{error}")
            written: dict[str, str] = getattr(self, f"_{kind}")(value, error)
            cells.update(written if kind == "person" else {column: written[column]})
        return cells, errors

    def _typo(self, text: str) -> str:
        """Substitute, drop or swap one letter inside a word (never the first letter)."""
        rng = self.rng
        positions = [i for i in range(1, len(text)) if text[i].isalpha() and text[i - 1].isalpha()]
        if not positions:
            return text
        i = rng.choice(positions)
        action = rng.choice(("substitute", "drop", "swap"))
        if action == "drop":
            return text[:i] + text[i + 1 :]
        if action == "swap" and i + 1 < len(text) and text[i + 1].isalpha():
            return text[:i] + text[i + 1] + text[i] + text[i + 2 :]
        letter = rng.choice([c for c in "aeiounrstlmk" if c != text[i].lower()])
        return text[:i] + letter + text[i + 1 :]

    def _phone(self, digits: str, error: str | None) -> dict[str, str]:
        if error == "swap_digits":
            i = self.rng.randrange(2, len(digits) - 1)
            while digits[i] == digits[i + 1] and i > 2:
                i -= 1
            digits = digits[:i] + digits[i + 1] + digits[i] + digits[i + 2 :]
        d = digits
        formats = (
            f"0{d}",
            f"0{d[0]}-{d[1:]}",
            f"+31 {d[0]} {d[1:5]} {d[5:]}",
            f"+31 (0){d[0]} {d[1:5]} {d[5:]}",
            f"0031{d}",
            f"0{d[0]} {d[1:3]} {d[3:5]} {d[5:7]} {d[7:]}",
        )
        return {"telefoon": self.rng.choice(formats)}

    def _email(self, mailbox: str, error: str | None) -> dict[str, str]:
        text = mailbox.upper() if error == "case" or self.rng.random() < 0.2 else mailbox
        return {"email": f" {text}" if self.rng.random() < 0.2 else text}

    def _address(self, address: Address, error: str | None) -> dict[str, str]:
        rng = self.rng
        street = self._typo(address.street) if error == "street_typo" else address.street
        addition = "" if error == "drop_addition" else address.addition
        postcode = address.postcode
        spaced = f"{postcode[:4]} {postcode[4:]}"
        # a digit addition is never glued to the number (14 2 is not 142)
        glued = addition if not addition.isdigit() else f"-{addition}"
        written_addition = rng.choice((f"-{addition}", f" {addition}", glued)) if addition else ""
        house = f"{address.number}{written_addition}"
        formats = (
            f"{street} {house}, {spaced} {address.place}",
            f"{postcode.lower()} {house}",
            f"{street} {house} {postcode} {address.place.upper()}",
            f"{spaced}, {street} {house}",
        )
        return {"adres": rng.choice(formats)}

    def _operator(self, operator: tuple[str, str], error: str | None) -> dict[str, str]:
        name, form = operator
        if error == "typo":
            name = self._typo(name)
        if error == "drop_form" or not form:
            form = ""
        written = f"{name} {form}".strip()
        return {"bedrijf": written.upper() if self.rng.random() < 0.2 else written}

    def _person(self, person: Person, error: str | None) -> dict[str, str]:
        rng = self.rng
        first, last = person.first, person.last
        if error == "typo":
            if rng.random() < 0.5:
                first = self._typo(first)
            else:
                last = self._typo(last)
        if error == "drop_diacritics":
            first, last = first.translate(_FOLD), last.translate(_FOLD)
        dob = person.dob
        if error == "swap_day_month" and dob.day <= 12 and dob.day != dob.month:
            dob = dt.date(dob.year, dob.day, dob.month)
        if error == "swap_name_order":
            name = f"{last} {first}"
        else:
            name = rng.choice((f"{first} {last}", f"{last.upper()}, {first}", f"{first} {last}"))
        written_dob = rng.choice(
            (dob.isoformat(), dob.strftime("%d-%m-%Y"), dob.strftime("%d/%m/%Y"))
        )
        return {"naam": name, "geboortedatum": written_dob}

    def _iban(self, iban: str, error: str | None) -> dict[str, str]:
        grouped = " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))
        return {"iban": grouped.lower() if error == "case" else self.rng.choice((iban, grouped))}

    def _kvk(self, kvk: str, error: str | None) -> dict[str, str]:
        return {"kvk": self.rng.choice((kvk, f"KvK {kvk}", f"kvk-nummer {kvk}"))}

    def _plate(self, plate: str, error: str | None) -> dict[str, str]:
        compact = plate.replace("-", "")
        choice = self.rng.choice((plate, compact, plate.lower()))
        return {"kenteken": choice.lower() if error == "case" else choice}


def _look_alike(rng: random.Random, entity: Entity, kinds: tuple[str, ...]) -> Entity | None:
    """Return an entity one small but real difference away: it must not link."""
    if "phone" in kinds and entity.phone:
        last = entity.phone[-1]
        other = rng.choice([d for d in "0123456789" if d != last])
        return Entity(phone=entity.phone[:-1] + other)
    if "address" in kinds and entity.address and entity.address.addition:
        a = entity.address
        other = rng.choice([x for x in ("A", "B", "C", "1", "2", "3") if x != a.addition])
        return Entity(address=Address(a.street, a.number, other, a.postcode, a.place))
    if "person" in kinds and entity.person:
        p = entity.person
        return Entity(person=Person(p.first, p.last, p.dob + dt.timedelta(days=1)))
    return None


def build_world(
    *,
    seed: int,
    agencies: int = 6,
    links: int = 400,
    background: int = 600,
    error_rate: float = 0.3,
    mix: dict[str, tuple[str, ...]] | None = None,
    look_alike_rate: float = 0.5,
) -> World:
    """Return the signals of every agency: planted links, look-alikes and background."""
    rng = random.Random(seed)
    maker = Maker(rng)
    speller = Speller(rng, error_rate, ERROR_KINDS if mix is None else mix)
    signals: list[Signal] = []
    link_kinds: dict[int, tuple[str, ...]] = {}

    def add(agency: int, link: int | None, entity: Entity) -> None:
        cells, errors = speller.cells(entity)
        signals.append(Signal(agency, link, cells, errors))

    for link in range(links):
        kinds = LINK_SHAPES[link % len(LINK_SHAPES)]
        link_kinds[link] = kinds
        entity = maker.entity(kinds)
        members = rng.sample(range(agencies), 3 if rng.random() < 0.3 else 2)
        for agency in members:
            add(agency, link, entity)
        if rng.random() < look_alike_rate:
            twin = _look_alike(rng, entity, kinds)
            if twin is not None:
                add(rng.choice([a for a in range(agencies) if a not in members]), None, twin)
    kinds_drawn: list[Callable[[], Entity]] = [
        lambda shape=shape: maker.entity(shape) for shape in LINK_SHAPES
    ]
    for _ in range(background * agencies):
        add(rng.randrange(agencies), None, rng.choice(kinds_drawn)())
    rng.shuffle(signals)
    names = [f"Instantie {chr(ord('A') + number)}" for number in range(agencies)]
    return World(names, signals, link_kinds)


def export_rows(world: World, agency: int) -> list[tuple[int, dict[str, str], Signal]]:
    """Return (row number, cells, signal) for one agency's export, row numbers from 2."""
    rows = []
    own = [signal for signal in world.signals if signal.agency == agency]
    for number, signal in enumerate(own, start=2):
        cells = dict.fromkeys(COLUMNS, "")
        cells.update(signal.cells)
        cells["zaak"] = f"Z-{agency}-{number}"
        cells["datum"] = "2026-10-01"
        rows.append((number, cells, signal))
    return rows


CATEGORIES = _CATEGORIES

"""Clerical spellings from Dutch case-file practice, for tests and benchmarks/spellings.py.

``SAME``: groups of spellings of one identifier (the first is the plainest); every spelling must
normalize to the same canonical form. ``INVALID``: cells that are no identifier of their kind
(placeholders, two identifiers merged into one value, implausible dates, lost letters); every
one must be refused by the single-value normalizer. Contexts are given after the kind.
"""

from __future__ import annotations

NBSP = "\u00a0"
NNBSP = "\u202f"
ZWSP = "\u200b"
THIN = "\u2009"

SAME: list[tuple[str, dict[str, str], list[str]]] = [
    (
        "phone",
        {},
        [
            "06-12345678",
            f"06{NBSP}12345678",
            f"06{NNBSP}1234{NNBSP}5678",
            "06\u201112345678",
            "06\u201312345678",
            f"{ZWSP}0612345678",
            "０６１２３４５６７８",
            "06\t12345678",
            "+31\u00a06\u00a012\u00a034\u00a056\u00a078",
            f"tel.{THIN}06-12345678",
        ],
    ),
    (
        "phone",
        {},
        [
            "+40721234567",
            f"+40{NBSP}721{NBSP}234{NBSP}567",
            "+40\u2012721\u2012234\u2012567",
            f"0040 721 234 567{ZWSP}",
        ],
    ),
    (
        "iban",
        {},
        [
            "NL91ABNA0417164300",
            f"NL91{NBSP}ABNA{NBSP}0417{NBSP}1643{NBSP}00",
            f"NL91{NNBSP}ABNA{NNBSP}0417{NNBSP}1643{NNBSP}00",
            f"nl91{THIN}abna{THIN}0417164300",
            f"IBAN:{NBSP}NL91 ABNA 0417 1643 00",
            "NL91\u2011ABNA\u20110417\u20111643\u201100",
            f"NL91ABNA{ZWSP}0417164300",
            "ＮＬ９１ＡＢＮＡ０４１７１６４３００",
        ],
    ),
    (
        "iban",
        {},
        ["BE71096123456769", f"BE71{NBSP}0961{NBSP}2345{NBSP}6769", "be71 0961 2345 6769"],
    ),
    (
        "kvk",
        {},
        [
            "12345678",
            f"1234{NBSP}5678",
            f"12{NNBSP}34{NNBSP}56{NNBSP}78",
            f"KvK:{NBSP}12345678",
            "1234\u20135678",
        ],
    ),
    (
        "plate",
        {},
        ["12ABC3", "12-ABC-3", f"12{NBSP}ABC{NBSP}3", "12\u2011abc\u20113", "１２ＡＢＣ３"],
    ),
    (
        "email",
        {},
        [
            "ana.popescu@gmail.com",
            f"ana.popescu@gmail.com{NBSP}",
            f"{ZWSP}AnaPopescu@Gmail.com",
            f"mailto:{NBSP}ana.popescu@gmail.com",
        ],
    ),
    ("url", {}, ["club-rood.nl", f"www.club-rood.nl{NBSP}", f"{ZWSP}https://www.club-rood.nl/"]),
    (
        "address",
        {},
        [
            "Hoofdstraat 14-A, 3811 AB Amersfoort",
            f"Hoofdstraat{NBSP}14-A,{NBSP}3811{NBSP}AB{NBSP}Amersfoort",
            "Hoofdstraat 14\u2013A, 3811 AB Amersfoort",
            f"3811{NNBSP}AB 14A",
            "NL-3811 AB 14 a",
            "Hoofdstraat 14A\n3811 AB  Amersfoort",
            "Hoofdstraat 14A\r\n3811AB Amersfoort",
        ],
    ),
    (
        "address",
        {},
        [
            "Hoofdstraat 14, 3e etage, 3811 AB Amersfoort",
            "Hoofdstraat 14 3e etage, 3811 AB Amersfoort",
            "Hoofdstraat 14-3, 3811 AB Amersfoort",
            "Hoofdstraat 14 III, 3811 AB Amersfoort",
            "Hoofdstraat 14, derde etage, 3811AB Amersfoort",
            "3811 AB 14, 3 hoog",
            "Hoofdstraat 14, 3de verdieping, 3811 AB",
            "3811AB 14 3-hoog",
        ],
    ),
    ("address", {}, ["Hoofdstraat 14, 3811 AB Amersfoort", "3811 AB 14", "3811AB 14, zwart"]),
    (
        "address",
        {},
        ["3811AB 14 rood", "3811AB 14r", "3811AB 14 R", "Hoofdstraat 14 rood, 3811 AB Amersfoort"],
    ),
    (
        "address",
        {},
        [
            "Hoofdstraat 14, 3811 AB Amersfoort, begane grond",
            "3811AB 14-H",
            "3811AB 14 hs",
            "3811 AB 14 bg",
            "Hoofdstraat 14 huis, 3811 AB",
        ],
    ),
    (
        "address",
        {},
        [
            "Rue Haute 12, 2000 Antwerpen, België",
            "Rue Haute 12, B-2000 Antwerpen",
            "Rue Haute 12, B - 2000 Antwerpen",
            "Rue Haute 12, BE-2000 Antwerpen",
            "Rue Haute 12, 2000 Antwerpen, Belgium",
        ],
    ),
    (
        "address",
        {},
        [
            "Hauptstraße 5, 47533 Kleve, Deutschland",
            "Hauptstr. 5, D-47533 Kleve",
            "Hauptstrasse 5, DE-47533 Kleve",
            f"Hauptstr.{NBSP}5,{NBSP}D-47533{NBSP}Kleve",
        ],
    ),
    (
        "operator",
        {},
        [
            "Club Rood B.V. h.o.d.n. Velvet Lounge",
            "Club Rood B.V. t.h.o.d.n. Velvet Lounge",
            "Club Rood BV thodn Velvet Lounge",
            "Club Rood B.V., t.h.o.d.n. Velvet Lounge",
            "Club Rood B.V. tevens handelend onder de naam Velvet Lounge",
            "Club Rood B.V. ook handelend onder de naam Velvet Lounge",
            f"Club{NBSP}Rood{NBSP}B.V.{NBSP}h.o.d.n.{NBSP}Velvet{NBSP}Lounge",
        ],
    ),
    (
        "operator",
        {},
        [
            "Jansen GmbH",
            "Jansen G.m.b.H.",
            "Jansen G.M.B.H.",
            "Jansen Gesellschaft mit beschränkter Haftung",
            "JANSEN g.m.b.h.",
        ],
    ),
    (
        "operator",
        {},
        [
            "Jansen B.V.",
            "Jansen Besloten Vennootschap",
            "Jansen besloten vennootschap met beperkte aansprakelijkheid",
            "Jansen B V",
            f"Jansen{NBSP}B.V.",
            "Jansen B.V. i.o.",
            "Jansen B.V. in oprichting",
        ],
    ),
    (
        "operator",
        {},
        [
            "Popescu SRL",
            "Popescu S.R.L.",
            "Popescu s.r.l.",
            "Popescu Societate cu Răspundere Limitată",
        ],
    ),
    (
        "operator",
        {},
        [
            "Jansen & Zn V.O.F.",
            "Jansen en Zn vof",
            "Jansen & Zn Vennootschap onder Firma",
            "Jansen & Zn V.o.F.",
        ],
    ),
    (
        "operator",
        {},
        ["Café Het Hoekje", "Café 't Hoekje", "Cafe ’t Hoekje", "CAFÉ 'T HOEKJE", "Café `t Hoekje"],
    ),
    (
        "operator",
        {},
        [
            "Kapsalon Ioana Ltd",
            "Kapsalon Ioana L.t.d.",
            "Kapsalon Ioana Limited",
            "Kapsalon Ioana Private Limited Company",
        ],
    ),
    (
        "person",
        {},
        [
            "Ana Popescu",
            f"Ana{NBSP}Popescu",
            f"Ana{ZWSP} Popescu",
            "POPESCU, Ana",
            f"Popescu,{THIN}Ana",
            "Ana\u00ad Popescu",
        ],
    ),
    ("person", {"dob": "1990-03-07"}, ["Ana Popescu"]),
    ("person", {"dob": "7-mrt-1990"}, ["Ana Popescu"]),
    ("person", {"dob": "07 mrt. 1990"}, ["Ana Popescu"]),
    ("person", {"dob": "7 MRT 1990"}, ["Ana Popescu"]),
    ("person", {"dob": "07-Mar-1990"}, ["Ana Popescu"]),
    ("person", {"dob": "32939"}, ["Ana Popescu"]),
    ("person", {"dob": "32939.0"}, ["Ana Popescu"]),
    ("person", {"dob": f"07{NBSP}03{NBSP}1990"}, ["Ana Popescu"]),
    ("person", {"dob": "07\u201303\u20131990"}, ["Ana Popescu"]),
    ("person", {"dob": "March 7, 1990"}, ["Ana Popescu"]),
]

#: Spellings of one date of birth (each with the name 'Ana Popescu'): all give 1990-03-07.
SAME_DATES = [group[1]["dob"] for group in SAME if group[1].get("dob")]

INVALID: list[tuple[str, dict[str, str], str]] = [
    # placeholders, Dutch and English, with punctuation and case variants
    *[
        ("phone", {}, raw)
        for raw in [
            "onbekend",
            "Onbekend.",
            "n.v.t.",
            "NVT",
            "n/a",
            "N.B.",
            "geen",
            "Geen telefoon",
            "geen nummer",
            "-",
            "--",
            "?",
            "x",
            "xxx",
            "06-xxxxxxxx",
            "#N/B",
            "#N/A",
            "nvt.",
            f"n.v.t.{NBSP}",
            "niet bekend",
            "unknown",
            "none",
            "Telefoonnummer: onbekend",
            "anoniem",
            "privé",
            "afgeschermd",
            "0",
        ]
    ],
    *[
        ("plate", {}, raw)
        for raw in [
            "geen kenteken",
            "Geen Kenteken",
            "onbekend",
            "n.v.t.",
            "NVT",
            "XX-XX-XX",
            "xx-xxx-x",
            "zonder kenteken",
            "kenteken onbekend",
            "Kenteken: n.b.",
            "nb",
            "-",
            "??",
            "unknown",
            "none",
            "n/a",
            f"N.v.t.{NBSP}",
            "00-00-00",
        ]
    ],
    *[
        ("person", {}, raw)
        for raw in [
            "NN",
            "N.N.",
            "n.n.",
            "onbekend",
            "Onbekende man",
            "onbekende vrouw",
            "Slachtoffer 1",
            "slachtoffer",
            "Verdachte 2",
            "betrokkene",
            "Melder",
            "X",
            "xxx",
            "?",
            "-",
            "unknown",
            "Unknown female",
            "John Doe",
            "Jane Doe",
            "n.v.t.",
            "Naam onbekend",
            "anoniem",
            "Anonieme melder",
            "nomen nescio",
            "#N/B",
            "N.N. (onbekend)",
        ]
    ],
    *[
        ("operator", {}, raw)
        for raw in [
            "n.v.t.",
            "N.V.T.",
            "nvt",
            "onbekend",
            "Onbekend bedrijf",
            "particulier",
            "Particulier",
            "geen",
            "-",
            "?",
            "n/a",
            "Bedrijfsnaam: onbekend",
            "NN",
            "unknown",
            "none",
            "#N/A",
            "niet van toepassing",
            "Niet bekend",
        ]
    ],
    *[
        ("address", {}, raw)
        for raw in [
            "onbekend",
            "Adres onbekend",
            "geen vaste woon- of verblijfplaats",
            "GVWV",
            "zonder vaste woon- of verblijfplaats",
            "n.v.t.",
            "geen vast adres",
            "buitenland",
            "vertrokken onbekend waarheen",
            "VOW",
            "RNI",
            "-",
            "?",
            "unknown",
            "n/a",
            "Zie boven",
            "idem",
            "zie dossier",
        ]
    ],
    *[
        ("email", {}, raw)
        for raw in [
            "geen",
            "geen e-mail",
            "onbekend",
            "geen@geen.nl",
            "onbekend@onbekend.nl",
            "n.v.t.",
            "x@x.nl",
            "xxx@xxx.nl",
            "-",
            "noemail@gmail.com",
            "unknown",
            "none@none.com",
        ]
    ],
    *[
        ("iban", {}, raw)
        for raw in [
            "onbekend",
            "n.v.t.",
            "geen rekening",
            "NL00XXXX0000000000",
            "NL.. XXXX ....",
            "Geen IBAN",
            "-",
            "n/a",
        ]
    ],
    *[
        ("kvk", {}, raw)
        for raw in ["onbekend", "n.v.t.", "geen KvK", "xxxxxxxx", "KvK: onbekend", "00000000", "-"]
    ],
    *[("url", {}, raw) for raw in ["geen website", "n.v.t.", "onbekend", "geen", "-", "none"]],
    # several identifiers in one cell, given to the single-value normalizer
    *[
        ("plate", {}, raw)
        for raw in [
            "12-ABC-3 / 34-DEF-5",
            "12-ABC-3; 34-DEF-5",
            "12-ABC-3, 34-DEF-5",
            "12-ABC-3 en 34-DEF-5",
            "12-ABC-3/34-DEF-5",
            "12-ABC-3\n34-DEF-5",
        ]
    ],
    *[
        ("person", {}, raw)
        for raw in [
            "Ana Popescu / Maria Ionescu",
            "Ana Popescu en Maria Ionescu",
            "Ana Popescu; Maria Ionescu",
            "Ana Popescu & Maria Ionescu",
            "Ana Popescu\nMaria Ionescu",
            "Ana Popescu + Maria Ionescu",
        ]
    ],
    *[
        ("address", {}, raw)
        for raw in [
            "Hoofdstraat 14 en 16, 3811 AB Amersfoort",
            "Hoofdstraat 14 & 16, Amersfoort",
            "Hoofdstraat 14 t/m 20, 3811 AB Amersfoort",
            "Kerkstraat 3 of 5, Utrecht",
        ]
    ],
    *[
        ("phone", {}, raw)
        for raw in [
            "06-12345678 / 06-87654321",
            "06-12345678; 06-87654321",
            "06-12345678 en 06-87654321",
        ]
    ],
    # implausible or incomplete dates of birth
    *[
        ("person", {"dob": raw}, "Ana Popescu")
        for raw in [
            "1900-01-01",
            "01-01-1900",
            "1-1-1900",
            "31-12-1899",
            "2090-01-01",
            "00-00-1985",
            "1985-00-00",
            "00-03-1985",
            "1985",
            "01-01-1901",
            "9999-12-31",
        ]
    ],
    # letters lost in a Windows-1252 export
    *[
        ("person", {}, raw)
        for raw in ["?tefania Popescu", "Ana Popescu-?erban", "Ioana B?l?nescu", "?t. Popescu"]
    ],
    *[("operator", {}, raw) for raw in ["Caf? Rood", "?tefania Beauty SRL"]],
    # more placeholder phrasings
    ("operator", {}, "onbekende exploitant"),
    ("address", {}, "Geen vast woon- of verblijfadres"),
    ("plate", {}, "Onbekend (buitenlands)"),
    ("phone", {}, "06 - onbekend"),
    ("person", {}, "Mevr. NN"),
    ("person", {}, "UNKNOWN MALE"),
    ("kvk", {}, "KvK-nummer: n.v.t."),
    ("email", {}, "n.v.t@nvt.nl"),
]

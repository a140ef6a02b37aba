"""The note guard: free text holding an identifier is refused, plain Dutch notes pass."""

from __future__ import annotations

import phonenumbers
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from sqlmodel import Session, col, select
from stdnum import iban
from stdnum.iso7064 import mod_97_10

from client import identifier_search
from matcher.models import AlertEvent, AuditEntry
from matcher.services import noteguard
from matcher.services.noteguard import NoteRefused, check_text, identifiers_in
from tests.dashboard.conftest import Dashboard, World

VOCABULARY = (
    "de melding is besproken in het overleg met gemeente politie en inspectie over een pand "
    "waar signalen van uitbuiting zijn gezien volgende week volgt een controle door toezicht "
    "zaak overgedragen aan riec geen actie nodig want dubbel advertentie hotel vakantiepark "
    "vergunning aangevraagd bezoekers gesprek gevoerd zorg ingeschakeld"
)
WORDS = tuple(VOCABULARY.split())
MONTHS = ("jan", "feb", "mrt", "apr", "mei", "juni", "juli", "aug", "sep", "okt", "nov", "dec")

words = st.lists(st.sampled_from(WORDS), min_size=1, max_size=6).map(" ".join)
small_numbers = st.integers(1, 999).map(str)
dates = st.builds(
    lambda day, month, year, style: (
        f"{day} {MONTHS[month - 1]} {year}" if style else f"{day:02d}-{month:02d}-{year}"
    ),
    st.integers(1, 28),
    st.integers(1, 12),
    st.integers(2019, 2027),
    st.booleans(),
)
times = st.builds(
    lambda hour, minute: f"{hour}:{minute:02d}", st.integers(0, 23), st.integers(0, 59)
)
alert_numbers = st.integers(1, 99_999).map(lambda number: f"melding #{number}")
tails = st.one_of(st.just(""), small_numbers, dates, times, alert_numbers)
#: words, each group maybe followed by a number, a date, a time or an alert number
plain_fragments = st.builds(lambda text, tail: f"{text} {tail}".strip(), words, tails)
plain_notes = st.lists(plain_fragments, min_size=1, max_size=8).map(
    lambda parts: " ".join(
        f"{part}," if index % 3 == 2 else part for index, part in enumerate(parts)
    )
)


@st.composite
def dutch_mobile_numbers(draw: st.DrawFn) -> str:
    digits = draw(st.sampled_from("12345")) + draw(st.text("0123456789", min_size=7, max_size=7))
    style = draw(st.integers(0, 4))
    return (
        f"06-{digits}",
        f"06 {digits[:4]} {digits[4:]}",
        f"+31 6 {digits}",
        f"0031 6{digits}",
        f"06{digits}",
    )[style]


@st.composite
def foreign_numbers(draw: st.DrawFn) -> str:
    region = draw(st.sampled_from(["RO", "BG", "HU", "PL", "ES", "NG", "TH", "CO", "VE"]))
    example = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
    national = str(example.national_number)
    tail = draw(st.text("0123456789", min_size=3, max_size=3))
    number = phonenumbers.parse(f"+{example.country_code}{national[:-3]}{tail}")
    assume(phonenumbers.is_valid_number(number))
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


emails = st.builds(
    lambda local, domain, tld: f"{local}@{domain}.{tld}",
    st.text("abcdefghijklmnopqrstuvwxyz0123456789._", min_size=1, max_size=12).filter(
        lambda local: local[0] not in "._"
    ),
    st.text("abcdefghijklmnopqrstuvwxyz", min_size=2, max_size=10),
    st.sampled_from(["nl", "com", "ro", "eu", "org"]),
)


@st.composite
def ibans(draw: st.DrawFn) -> str:
    bank = draw(st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=4, max_size=4))
    account = draw(st.text("0123456789", min_size=10, max_size=10))
    check = mod_97_10.calc_check_digits(f"{bank}{account}NL")
    number = f"NL{check}{bank}{account}"
    assert iban.is_valid(number)
    return iban.format(number) if draw(st.booleans()) else number


@st.composite
def postcodes(draw: st.DrawFn) -> str:
    digits = draw(st.integers(1000, 9999))
    letters = draw(st.text("ABCDEFGHIJKLMNOPQRTUVWXYZ", min_size=2, max_size=2))
    assume(letters not in ("SA", "SD", "SS"))
    space = draw(st.booleans())
    assume(not (space and 1900 <= digits <= 2099 and letters in identifier_search.YEAR_WORDS))
    return f"{digits}{' ' if space else ''}{letters}"


IDENTIFIERS = {
    "phone number": st.one_of(dutch_mobile_numbers(), foreign_numbers()),
    "e-mail address": emails,
    "IBAN": ibans(),
    "postcode": postcodes(),
}


@settings(max_examples=150, deadline=None)
@given(note=plain_notes)
def test_plain_dutch_notes_pass(note: str) -> None:
    assert identifiers_in(note) == []
    assert check_text(note) == note.strip()


@pytest.mark.parametrize("kind", sorted(IDENTIFIERS))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(data=st.data(), before=plain_notes, after=plain_notes)
def test_a_note_with_an_embedded_identifier_is_refused_without_echoing_it(
    kind: str, data: st.DataObject, before: str, after: str
) -> None:
    identifier = data.draw(IDENTIFIERS[kind])
    note = f"{before} {identifier} {after}"

    with pytest.raises(NoteRefused) as refused:
        check_text(note)

    assert kind in refused.value.kinds
    assert identifier not in str(refused.value)
    assert identifier not in repr(refused.value.fields)
    assert {"location": "note", "rule": kind} in refused.value.fields


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("kenteken 12-ABC-3 gezien bij het pand", "licence plate"),
        ("bsn 111222333 bekend bij de gemeente", "citizen service number (BSN)"),
        ("ingeschreven onder KvK 12345678", "KvK number"),
        ("advertentie op www.voorbeeld.nl gevonden", "web address"),
        ("advertentie op https://voorbeeld.nl/a/b", "web address"),
        ("roemeens nummer 0721 234 567", "phone number"),
    ],
)
def test_other_identifiers_are_refused_too(text: str, kind: str) -> None:
    assert kind in identifiers_in(text)


@pytest.mark.parametrize(
    "text",
    [
        "Opgericht in 1995 BV, overleg 2024 NL team",
        "Melding op 12.03.2024 en 2024/03/12, 3-5-2024 om 14:30",
        "10.000 advertenties in 2023, zaaknummer 2024-001",
    ],
)
def test_years_dates_and_case_numbers_are_not_mistaken_for_identifiers(text: str) -> None:
    assert identifiers_in(text) == []


def test_empty_and_overlong_notes_are_refused() -> None:
    with pytest.raises(noteguard.InvalidRequest) as empty:
        check_text("   ")
    with pytest.raises(noteguard.InvalidRequest) as long:
        check_text("woord " * 300)

    assert (empty.value.code, long.value.code) == ("note_empty", "note_too_long")


@settings(
    max_examples=5, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(identifier=st.one_of(*IDENTIFIERS.values()))
def test_a_refused_note_is_stored_nowhere_and_not_echoed(
    dashboard: Dashboard, world: World, db_session: Session, identifier: str
) -> None:
    dashboard.sign_in_as(world.coordinator)
    note = f"Besproken met de gemeente: {identifier} hoort bij dit pand."

    response = dashboard.post(f"/alerts/{world.alert.id}/notes", {"note": note})

    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "niet opgeslagen" in page
    assert identifier not in page
    db_session.expire_all()
    events = db_session.exec(select(AlertEvent).where(col(AlertEvent.action) == "note")).all()
    assert events == []
    assert all(
        identifier not in repr(entry.details) for entry in db_session.exec(select(AuditEntry))
    )


def test_a_clean_note_is_kept_in_the_alert_history(
    dashboard: Dashboard, world: World, db_session: Session
) -> None:
    dashboard.sign_in_as(world.coordinator)

    response = dashboard.post(
        f"/alerts/{world.alert.id}/notes", {"note": "Besproken in het RIEC-overleg van 3 mei."}
    )

    assert response.status_code == 303
    page = dashboard.get(f"/alerts/{world.alert.id}").get_data(as_text=True)
    assert "Besproken in het RIEC-overleg van 3 mei." in page


def test_hub_reasons_and_external_references_are_guarded_too(
    dashboard: Dashboard, world: World, db_session: Session
) -> None:
    dashboard.sign_in_as(world.coordinator)

    reason = dashboard.post(
        f"/alerts/{world.alert.id}/benign-hub", {"reason": "Hotelcentrale 020-5551234"}
    )

    assert reason.status_code == 422
    assert "020-5551234" not in reason.get_data(as_text=True)
    with pytest.raises(NoteRefused):
        from matcher.services.workflow import _external_reference

        _external_reference("PL 06-12345678")

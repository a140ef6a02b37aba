"""A kind declared in one spec works end to end, with no other module edited.

The throwaway kind is a Dutch passport number. Its normalizer is this test module itself
(``normalize`` and ``match_keys`` below), as a new kind's own module would be.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask.testing import FlaskClient

from client import kinds, normalizers, wire
from client.errors import NormalizationError
from client.keys import generate_key
from client.kinds import KindSpec, Level, NoteGuard, Strength, Text
from client.schemes.hmac import HmacScheme
from matcher.services import noteguard

_PASSPORT = re.compile(r"[A-NP-Z]{2}[A-NP-Z0-9]{6}[0-9]")
_WRITTEN = re.compile(r"\b[A-NP-Z]{2}[A-NP-Z0-9]{6}[0-9]\b")


def normalize(raw: str, /, **context: str) -> str:
    """Return the document number in capitals without spaces; refuse anything else."""
    if context:
        raise NormalizationError("passport", "takes no context")
    compact = re.sub(r"\s", "", raw).upper()
    if not _PASSPORT.fullmatch(compact):
        raise NormalizationError("passport", "not a passport number: 9 letters and digits")
    return compact


def match_keys(canonical: str) -> list[tuple[str, str]]:
    """Return the one key of a passport number."""
    return [("document", canonical)]


PASSPORT = KindSpec(
    name="passport",
    label=Text("passport number", "paspoortnummer"),
    levels=(
        Level(
            "document",
            "the travel document",
            Strength.IDENTIFYING,
            Text("document", "document"),
            Text("a passport number", "een paspoortnummer"),
        ),
    ),
    normalizer=__name__,
    note_guard=NoteGuard(
        "passport number",
        Text("a passport number", "een paspoortnummer"),
        lambda text: _WRITTEN.search(text) is not None,
    ),
    example="`XR1234567`",
)
RAW = " xr12 34 5 67 "


@pytest.fixture
def passport() -> Iterator[KindSpec]:
    with kinds.registered(PASSPORT) as spec:
        yield spec
    assert kinds.spec("passport") is None


def _batch(scheme: HmacScheme, token: bytes) -> str:
    return wire.Batch(
        batch_id=uuid.uuid4(),
        scheme=wire.SchemeName.HMAC,
        key_fingerprint=scheme.fingerprint,
        key_epoch=scheme.epoch,
        normalization_version="2026.1",
        signals=[
            wire.SignalItem(
                ref=wire.new_refs(1)[0],
                category=wire.Category.INSPECTION,
                observed_on=dt.date(2026, 3, 1),
                retain_until=dt.date(2027, 3, 1),
                tokens=[
                    wire.TokenItem(
                        kind="passport", level="document", token=wire.encode_token(token)
                    )
                ],
            )
        ],
    ).model_dump_json()


def test_a_kind_declared_in_a_spec_works_end_to_end(
    passport: KindSpec,
    client: FlaskClient,
    make_agency: Callable[..., Any],
    make_api_token: Callable[..., str],
    make_epoch: Callable[..., Any],
    make_user: Callable[..., Any],
    make_user_token: Callable[..., str],
) -> None:
    key = generate_key(epoch=1)
    scheme = HmacScheme(key.secret, epoch=1)
    make_epoch(scheme="hmac", epoch=1, fingerprint=scheme.fingerprint)
    coordinator = {"Authorization": f"Bearer {make_user_token(make_user())}"}

    canonical = normalizers.normalize("passport", RAW)
    keys = normalizers.match_keys("passport", canonical)
    [token] = scheme.tokenize(keys)
    receipts = []
    for name in ("Gemeente Utrecht", "Gemeente Amersfoort"):
        agency = {"Authorization": f"Bearer {make_api_token(make_agency(name=name))}"}
        response = client.post(
            "/api/v1/batches",
            data=_batch(scheme, token),
            content_type="application/json",
            headers=agency,
        )
        receipts.append(response)
    alerts = client.get("/api/v1/coordinator/alerts", headers=coordinator).get_json()["alerts"]
    detail = client.get(f"/api/v1/coordinator/alerts/{alerts[0]['id']}", headers=coordinator)

    assert canonical == "XR1234567"
    assert [(key.kind, key.level) for key in keys] == [("passport", "document")]
    assert [response.status_code for response in receipts] == [201, 201]
    assert receipts[0].get_json()["tokens_per_kind"] == {"passport": 1}
    assert [(item["kind"], item["level"]) for item in alerts] == [("passport", "document")]
    assert "2 agencies in 1 region share a passport number" in detail.get_json()["explanation"]
    assert RAW.strip() not in detail.get_data(as_text=True)


def test_the_dashboard_names_the_new_kind_in_both_languages(
    passport: KindSpec,
    client: FlaskClient,
    make_agency: Callable[..., Any],
    make_user: Callable[..., Any],
    make_signal: Callable[..., Any],
    make_alert: Callable[..., Any],
) -> None:
    first, second = make_agency("Gemeente Utrecht"), make_agency("Gemeente Amersfoort")
    alert = make_alert(make_signal(first), make_signal(second), kind="passport", level="document")
    user = make_user()
    pages = {}
    for language in ("nl", "en"):
        with client.session_transaction() as session:
            session["user_id"] = user.id
            session["generation"] = user.session_generation
            session["language"] = language
        pages[language] = client.get(f"/alerts/{alert.id}").get_data(as_text=True)

    assert "delen een paspoortnummer" in pages["nl"]
    assert "paspoortnummer (document)" in pages["nl"]
    assert "share a passport number" in pages["en"]
    assert "passport number (document)" in pages["en"]


def test_the_note_guard_knows_the_new_kind(passport: KindSpec) -> None:
    note = "Document XR1234567 gezien bij de controle"

    assert "passport number" in noteguard.identifiers_in(note)
    with pytest.raises(noteguard.NoteRefused) as refused:
        noteguard.check_text(note)
    assert "XR1234567" not in str(refused.value)


def test_a_removed_kind_is_refused_again(passport: KindSpec) -> None:
    kinds.unregister("passport")
    try:
        with pytest.raises(NormalizationError):
            normalizers.normalize("passport", RAW)
        with pytest.raises(ValueError, match="registered kind"):
            wire.TokenItem(kind="passport", level="document", token="A" * 43)
    finally:
        kinds.register(PASSPORT)


def test_built_in_kinds_cannot_be_removed_or_declared_twice() -> None:
    with pytest.raises(ValueError):
        kinds.unregister("phone")
    with pytest.raises(ValueError):
        kinds.register(kinds.spec("phone"))  # type: ignore[arg-type]

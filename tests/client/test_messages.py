"""Messages that tell the analyst what to do, not what misleads them."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from client.errors import InputFileError, KeyFileError, UploadError
from client.http import MatcherClient
from client.keys import load_key
from client.mapping import parse_category, parse_kind
from client.mapping_file import load_mapping_file
from client.wire import Category, Kind


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("telefoon", Kind.PHONE),
        ("Telefoonnummer", Kind.PHONE),
        ("adres", Kind.ADDRESS),
        ("e-mail", Kind.EMAIL),
        ("exploitant", Kind.OPERATOR),
        ("naam", Kind.PERSON),
        ("kenteken", Kind.PLATE),
        ("phone", Kind.PHONE),
    ],
)
def test_kinds_are_accepted_by_their_dutch_names(name: str, kind: Kind) -> None:
    assert parse_kind(name) == kind


def test_an_unknown_kind_or_category_suggests_the_closest_without_echoing_it() -> None:
    with pytest.raises(InputFileError) as kind:
        parse_kind("telefon")
    with pytest.raises(InputFileError) as category:
        parse_category("inspectoin")

    assert "Did you mean 'telefoon'?" in str(kind.value)
    assert "telefon'" not in str(kind.value).replace("'telefoon'", "")
    assert "Did you mean 'inspection'?" in str(category.value)
    assert parse_category("controle") is Category.INSPECTION


def test_a_mapping_file_error_names_the_column(tmp_path: Path) -> None:
    path = tmp_path / "mapping.toml"
    path.write_text("[columns]\nTelefoonnummer = 'fone'\n", encoding="utf-8")

    with pytest.raises(InputFileError, match=r"\[columns\] 'Telefoonnummer': unknown kind"):
        load_mapping_file(path)


def test_no_key_points_at_the_custodian_not_at_making_one(tmp_path: Path) -> None:
    with pytest.raises(KeyFileError) as caught:
        load_key(None, environ={})

    message = str(caught.value)
    assert "key custodian" in message
    assert "would match nobody" in message


def test_an_unreachable_matcher_is_named_with_its_port_and_the_address_to_check() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    client = MatcherClient(
        "http://127.0.0.1:5000",
        api_token="t",
        transport=httpx.MockTransport(refuse),
        retries=0,
    )
    with pytest.raises(UploadError) as caught:
        client.alerts()

    message = str(caught.value)
    assert "127.0.0.1:5000" in message
    assert "check the address" in message
    assert "try again later" not in message

"""The shared-key scheme: pinned by known answers, separated by kind, level and epoch."""

from __future__ import annotations

import base64
import json
import pickle
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from client import kinds
from client.errors import SchemeError
from client.schemes.base import MatchKey, Scheme
from client.schemes.hmac import HmacScheme
from client.wire import TOKEN_BYTES, Kind, SchemeName, encode_token

LEVELS = {Kind(spec.name): spec.level_names for spec in kinds.BUILT_IN}

GOLDEN = Path(__file__).parents[1] / "golden" / "tokens" / "hmac.json"
VECTORS: list[dict[str, Any]] = json.loads(GOLDEN.read_text(encoding="utf-8"))["vectors"]
KIND_LEVELS = [(kind, level) for kind, levels in LEVELS.items() for level in levels]

secrets_ = st.binary(min_size=32, max_size=32)
epochs = st.integers(min_value=1, max_value=10_000)
values = st.text(min_size=1, max_size=80)
kind_levels = st.sampled_from(KIND_LEVELS)


def token(scheme: HmacScheme, kind: Kind, level: str, value: str) -> bytes:
    return scheme.tokenize([MatchKey(kind, level, value)])[0]


@pytest.mark.parametrize(
    "vector", VECTORS, ids=[f"{v['secret'][:4]}-e{v['epoch']}-{v['level']}" for v in VECTORS]
)
def test_tokens_and_fingerprints_match_the_golden_vectors(vector: dict[str, Any]) -> None:
    scheme = HmacScheme(bytes.fromhex(vector["secret"]), epoch=vector["epoch"])
    assert scheme.fingerprint == vector["fingerprint"]
    produced = token(scheme, Kind(vector["kind"]), vector["level"], vector["value"])
    assert produced.hex() == vector["token"]


def test_golden_vectors_cover_every_kind_and_level() -> None:
    covered = {(Kind(v["kind"]), v["level"]) for v in VECTORS}
    assert covered == set(KIND_LEVELS)


@given(secret=secrets_, epoch=epochs, kind_level=kind_levels, value=values)
def test_tokens_are_deterministic_and_32_bytes(
    secret: bytes, epoch: int, kind_level: tuple[Kind, str], value: str
) -> None:
    kind, level = kind_level
    first = token(HmacScheme(secret, epoch=epoch), kind, level, value)
    again = token(HmacScheme(secret, epoch=epoch), kind, level, value)
    assert first == again
    assert len(first) == TOKEN_BYTES


@given(secret=secrets_, epoch=epochs, value=values, pair=st.permutations(KIND_LEVELS))
def test_another_kind_or_level_gives_another_token(
    secret: bytes, epoch: int, value: str, pair: list[tuple[Kind, str]]
) -> None:
    (kind_a, level_a), (kind_b, level_b) = pair[0], pair[1]
    scheme = HmacScheme(secret, epoch=epoch)
    same_domain = (kind_a, kinds.domain_level(kind_a, level_a)) == (
        kind_b,
        kinds.domain_level(kind_b, level_b),
    )
    first, second = token(scheme, kind_a, level_a, value), token(scheme, kind_b, level_b, value)
    # only a label declared to share a level's tokens (address/no_addition) gives the same token
    assert (first == second) is same_domain


def test_an_address_without_addition_gives_the_building_token_of_one_with_an_addition() -> None:
    from client.normalizers import match_keys, normalize

    scheme = HmacScheme(bytes(range(32)), epoch=1)
    bare = match_keys(Kind.ADDRESS, normalize(Kind.ADDRESS, "3811AB 14"))
    added = match_keys(Kind.ADDRESS, normalize(Kind.ADDRESS, "3811AB 14-A"))
    assert [key.level for key in bare] == ["unit", "no_addition"]
    assert [key.level for key in added] == ["unit", "building"]
    assert scheme.tokenize([bare[1]]) == scheme.tokenize([added[1]])
    assert scheme.tokenize([bare[0]]) != scheme.tokenize([added[0]])


@given(secret=secrets_, epoch=epochs, kind_level=kind_levels, value=values)
def test_another_epoch_gives_another_token_and_fingerprint(
    secret: bytes, epoch: int, kind_level: tuple[Kind, str], value: str
) -> None:
    kind, level = kind_level
    current, rotated = HmacScheme(secret, epoch=epoch), HmacScheme(secret, epoch=epoch + 1)
    assert token(current, kind, level, value) != token(rotated, kind, level, value)
    assert current.fingerprint != rotated.fingerprint


@given(first=secrets_, second=secrets_, kind_level=kind_levels, value=values)
def test_another_secret_gives_another_token(
    first: bytes, second: bytes, kind_level: tuple[Kind, str], value: str
) -> None:
    kind, level = kind_level
    if first != second:
        one, other = HmacScheme(first, epoch=1), HmacScheme(second, epoch=1)
        assert token(one, kind, level, value) != token(other, kind, level, value)
        assert one.fingerprint != other.fingerprint


@given(secret=secrets_, epoch=epochs)
def test_repr_and_str_never_show_the_secret(secret: bytes, epoch: int) -> None:
    scheme = HmacScheme(secret, epoch=epoch)
    shown = repr(scheme) + str(scheme) + f"{scheme}"
    for form in (
        secret.hex(),
        base64.b64encode(secret).decode(),
        base64.urlsafe_b64encode(secret).decode(),
        repr(secret),
    ):
        assert form not in shown
    assert scheme.fingerprint in shown


def test_scheme_names_itself_and_fits_the_wire() -> None:
    scheme = HmacScheme(bytes(range(32)), epoch=3)
    assert isinstance(scheme, Scheme)
    assert scheme.name is SchemeName.HMAC
    assert scheme.epoch == 3
    assert re.fullmatch(r"[0-9a-f]{32}", scheme.fingerprint)
    keys = [MatchKey(kind, level, "voorbeeld") for kind, level in KIND_LEVELS]
    tokens = scheme.tokenize(keys)
    assert len(tokens) == len(keys)
    domains = {(kind, kinds.domain_level(kind, level)) for kind, level in KIND_LEVELS}
    assert len({encode_token(t) for t in tokens}) == len(domains) == len(keys) - 1


def test_kind_given_as_plain_text_gives_the_same_token() -> None:
    scheme = HmacScheme(bytes(range(32)), epoch=1)
    as_text = scheme.tokenize([MatchKey("phone", "e164", "+31612345678")])  # type: ignore[arg-type]
    assert as_text == scheme.tokenize([MatchKey(Kind.PHONE, "e164", "+31612345678")])


@pytest.mark.parametrize(
    "key",
    [
        MatchKey(Kind.PHONE, "mailbox", "+31612345678"),  # a level of another kind
        MatchKey(Kind.PHONE, "+31612345678", "e164"),  # value and level swapped by a caller
        MatchKey("+31612345678", "e164", "x"),  # type: ignore[arg-type]
    ],
)
def test_an_unknown_level_is_refused_without_echoing_values(key: MatchKey) -> None:
    with pytest.raises(SchemeError) as caught:
        HmacScheme(bytes(range(32)), epoch=1).tokenize([key])
    assert "+31612345678" not in str(caught.value)
    assert "level" in str(caught.value)


def test_a_pickled_scheme_makes_the_same_tokens() -> None:
    scheme = HmacScheme(bytes(range(32)), epoch=2)
    copy = pickle.loads(pickle.dumps(scheme))
    keys = [MatchKey(Kind.EMAIL, "mailbox", "jan.jansen@example.nl")]
    assert copy.tokenize(keys) == scheme.tokenize(keys)
    assert copy.fingerprint == scheme.fingerprint


@pytest.mark.parametrize(
    ("secret", "epoch", "error"),
    [
        ("0" * 32, 1, TypeError),
        (bytes(31), 1, ValueError),
        (bytes(33), 1, ValueError),
        (bytes(32), 0, ValueError),
        (bytes(32), True, ValueError),
    ],
)
def test_a_bad_secret_or_epoch_is_refused(secret: Any, epoch: Any, error: type[Exception]) -> None:
    with pytest.raises(error):
        HmacScheme(secret, epoch=epoch)

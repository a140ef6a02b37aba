"""Refusals name the rule, never the value: no raw identifier in any normalization error.

Errors end up in logs, CLI output and bug reports; a raw phone number, name or IBAN there would
defeat the pseudonymization. The checks cover the message, the repr, the arguments, and the
exception chain (a library's own error often quotes the input).
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from client.errors import NormalizationError
from client.normalizers import normalize
from client.wire import Kind

#: Realistic values that are refused, with the context they come with.
REFUSED = [
    (Kind.PHONE, "06-1234 5678 9", {}),
    (Kind.PHONE, "+31 6 1234 567", {}),
    (Kind.PHONE, "+999 612 345 678", {}),
    (Kind.PHONE, "0721 234", {"region": "RO"}),
    (Kind.PHONE, "https://wa.me/message/ABCDEF", {}),
    (Kind.ADDRESS, "Hoofdstraat 14, Atlantis", {"country": "Atlantis"}),
    (Kind.ADDRESS, "Kerkstraat 100", {}),
    (Kind.ADDRESS, "Rue Neuve, 1000 Bruxelles", {"country": "BE"}),
    (Kind.OPERATOR, "B.V. h.o.d.n. Velvet Lounge", {}),
    (Kind.PERSON, "Ana Maria Popescu", {"dob": "31-02-1990"}),
    (Kind.PERSON, "Ana Maria Popescu", {"dob": "07-03-90"}),
    (Kind.PERSON, "Ana Popescu|1990-03-07", {"dob": "1991-04-08"}),
    (Kind.PERSON, "Popescu 1990", {"dob": "geboren 7 maart"}),
    (Kind.IBAN, "NL91 ABNA 0417 1643 01", {}),
    (Kind.IBAN, "NL91 ABNA 0417 1643", {}),
    (Kind.KVK, "1234 567", {}),
    (Kind.KVK, "KvK 1234567890", {}),
    (Kind.PLATE, "12-ABC-345-XYZ-67", {}),
    (Kind.EMAIL, "ana.popescu@localhost", {}),
    (Kind.EMAIL, "ana popescu@example.nl", {}),
    (Kind.EMAIL, "ana.popescu@exa_mple.nl", {}),
    (Kind.EMAIL, "ana.popescu@xn--abc.nl", {}),
    (Kind.URL, "club_rood.nl", {}),
    (Kind.URL, "http://192.168.300.1/", {}),
]


def _texts_of(error: NormalizationError) -> list[str]:
    """Return every text the error carries, down its chain of causes and contexts."""
    texts = [str(error), repr(error), *map(str, error.args), error.rule, error.kind]
    assert error.__cause__ is None
    assert error.__context__ is None
    return texts


def _assert_not_leaked(error: NormalizationError, *values: str) -> None:
    for text in _texts_of(error):
        for value in values:
            assert value.strip() not in text
            digits = re.sub(r"[^0-9]", "", value)
            if len(digits) >= 4:
                assert digits not in re.sub(r"[^0-9]", "", text)


@pytest.mark.parametrize(("kind", "raw", "context"), REFUSED)
def test_refusal_never_carries_the_value_or_its_digits(
    kind: Kind, raw: str, context: dict[str, str]
) -> None:
    with pytest.raises(NormalizationError) as raised:
        normalize(kind, raw, **context)
    # A date of birth is personal data; a region or country hint is not (and may be named).
    _assert_not_leaked(raised.value, raw, context.get("dob", raw))


#: A marker no rule text contains: mixed case, digits, and a letter sequence no word has.
secrets = st.text(alphabet="QXZqxz0123456789", min_size=6, max_size=10).filter(
    lambda s: any(c.isalpha() for c in s) and any(c.isdigit() for c in s)
)


@pytest.mark.parametrize("kind", list(Kind))
@settings(max_examples=100, deadline=None)
@given(secret=secrets, before=st.text(max_size=15), after=st.text(max_size=15))
def test_no_refusal_quotes_any_part_of_its_input(
    kind: Kind, secret: str, before: str, after: str
) -> None:
    try:
        normalize(kind, f"{before}{secret}{after}")
    except NormalizationError as error:
        _assert_not_leaked(error, secret)


@settings(max_examples=100, deadline=None)
@given(digits=st.text(alphabet="0123456789", min_size=4, max_size=16), sep=st.sampled_from(" -."))
def test_phone_refusals_never_quote_the_digits(digits: str, sep: str) -> None:
    raw = sep.join(digits[i : i + 3] for i in range(0, len(digits), 3))
    try:
        normalize("phone", raw)
    except NormalizationError as error:
        _assert_not_leaked(error, raw)

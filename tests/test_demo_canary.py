"""Privacy canary: run the whole demonstration, then search everything the matcher side holds.

The matcher's database file (and its WAL), the server log, every request body the clients sent and
the batch files left behind hold none of the exports' raw identifiers, nor their canonical forms.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from client.errors import NormalizationError
from client.normalizers import normalize
from matcher.demo.exports import AGENCIES, identifier_cells

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module", params=["hmac", "oprf"])
def demo(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, str]:
    """Run `python -m matcher.demo --no-serve` once per scheme; return its folder and output.

    In the oprf mode the key service runs as a process of its own, and its database and log are
    searched too.
    """
    directory = tmp_path_factory.mktemp(f"demo-{request.param}")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "matcher.demo",
            "--no-serve",
            "--record-requests",
            "--scheme",
            request.param,
            "--dir",
            str(directory),
            "--port",
            "18720" if request.param == "hmac" else "18760",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return directory, result.stdout


def _secrets_to_find() -> set[str]:
    values: set[str] = set()
    for kind, value in identifier_cells():
        values.add(value)
        if kind is None:
            continue
        try:
            canonical = normalize(kind, value)
        except NormalizationError:
            continue
        # each name of an operator, with and without its legal form (clubrood:bv, clubrood)
        parts = canonical.replace(":", "|:").split("|")
        values.update(part.lstrip(":") for part in parts if len(part.lstrip(":")) >= 5)
        values.update(part for part in canonical.split("|") if len(part) >= 5)
    return {value for value in values if len(value) >= 5}


# A value this short turns up by chance inside the base64 tokens the files hold (a five-character
# plate about once in a hundred runs); it counts only where it stands alone. Longer values count
# anywhere: 64**8 makes a chance hit negligible.
_STANDS_ALONE_BELOW = 8
_BASE64_CHARACTER = rb"[A-Za-z0-9+/=_-]"


def _occurs(value: str, content: bytes) -> bool:
    needles = {value.encode(), value.lower().encode()}
    if len(value) >= _STANDS_ALONE_BELOW:
        return any(needle in content for needle in needles)
    return any(
        re.search(
            rb"(?<!%s)%s(?!%s)" % (_BASE64_CHARACTER, re.escape(needle), _BASE64_CHARACTER), content
        )
        for needle in needles
    )


def _matcher_side_files(directory: Path) -> list[Path]:
    exports = {agency.export_name for agency in AGENCIES}
    kept = [
        path
        for path in directory.rglob("*")
        if path.is_file() and path.name not in exports and not path.name.startswith("ledger")
    ]
    return kept


def test_the_demonstration_raises_cross_agency_alerts(demo: tuple[Path, str]) -> None:
    _, output = demo
    # The planted overlaps chain through shared signals into three alerts with all their
    # evidence. Which of two alerts the person (linked to both by a phone) joins depends on the
    # order the tokens arrive in, so only what holds either way is pinned here.
    assert "3 strong and medium alerts" in output
    assert "strong 4 agencies in 2 regions share a phone number" in output
    assert "exact address/unit: Gemeente Amsterdam, Gemeente Utrecht" in output
    assert "exact person/name_dob: Gemeente Amersfoort, Politie Eenheid Midden-Nederland" in output
    # the operator link: the same legal name with the same legal form (B.V.) on both sides; the
    # bare legal and trade names of the same two signals repeat it and are not listed apart
    lead = "medium 2 agencies in 2 regions share an operator's legal name with its legal form, "
    assert lead in output
    assert "exact operator/registered: Gemeente Amsterdam, Gemeente Utrecht" in output
    assert "operator/legal_name" not in output
    assert "building address" not in output  # the dwellings' alerts show it
    assert "Our signals:" in output  # a released alert reached an involved agency


def test_no_raw_identifier_reaches_the_matcher_side(demo: tuple[Path, str]) -> None:
    directory, output = demo
    files = _matcher_side_files(directory)
    names = {path.name for path in files}
    assert {"matcher.sqlite3", "matcher.log", "requests.log"} <= names
    if "oprf" in directory.name:
        assert {"keyservice.sqlite3", "keyservice.log"} <= names
    assert (directory / "requests.log").stat().st_size > 10_000  # the bodies were recorded
    haystacks = {path: path.read_bytes() for path in files}
    haystacks[directory / "stdout"] = output.encode()
    leaks = [
        (path.name, value)
        for value in _secrets_to_find()
        for path, content in haystacks.items()
        if _occurs(value, content)
    ]
    assert leaks == []


def test_a_short_value_counts_where_it_stands_alone_not_inside_a_token() -> None:
    assert _occurs("44TR4", b'{"plate": "44TR4"}')
    assert _occurs("44TR4", b"plate 44tr4 seen")
    assert not _occurs("44TR4", b'{"token": "q9x44TR4bZ"}')
    assert _occurs("amsterdam-centrum", b'{"token": "xamsterdam-centrumx"}')

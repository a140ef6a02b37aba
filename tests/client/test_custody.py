"""Shamir custody: any k of n shares rebuild the key, fewer or foreign shares never do."""

from __future__ import annotations

import itertools
import json
import os
import stat
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from client import custody
from client.errors import KeyFileError
from client.keys import FederationKey, generate_key

KEY = generate_key(epoch=2)


def test_any_k_of_n_shares_rebuild_the_key() -> None:
    shares = custody.split(KEY, threshold=3, shares=5)
    assert [share.index for share in shares] == [1, 2, 3, 4, 5]
    for chosen in itertools.combinations(shares, 3):
        rebuilt = custody.combine(reversed(chosen))
        assert rebuilt == KEY
        assert rebuilt.created == KEY.created


@settings(max_examples=25, deadline=None)
@given(data=st.data(), n=st.integers(min_value=2, max_value=9))
def test_any_threshold_and_any_subset_rebuild_the_key(data: st.DataObject, n: int) -> None:
    k = data.draw(st.integers(min_value=2, max_value=n))
    key = FederationKey(data.draw(st.binary(min_size=32, max_size=32)), epoch=1)
    shares = custody.split(key, threshold=k, shares=n)
    chosen = data.draw(st.lists(st.sampled_from(shares), min_size=k, max_size=n, unique=True))
    assert custody.combine(chosen) == key


def test_fewer_than_k_shares_are_refused() -> None:
    shares = custody.split(KEY, threshold=3, shares=5)
    with pytest.raises(KeyFileError, match="not enough shares: 2 given, 3 needed"):
        custody.combine(shares[:2])
    with pytest.raises(KeyFileError, match="not enough shares"):
        custody.combine([shares[0], shares[0], shares[1]])  # a duplicate is not a second share


def test_k_minus_1_shares_that_claim_to_suffice_fail_the_fingerprint_check() -> None:
    shares = custody.split(KEY, threshold=3, shares=5)
    lying = [replace(share, threshold=2) for share in shares[:2]]
    with pytest.raises(KeyFileError, match="not enough or mismatched shares"):
        custody.combine(lying)


def test_shares_of_two_splits_of_the_same_key_do_not_mix() -> None:
    first = custody.split(KEY, threshold=2, shares=3)
    second = custody.split(KEY, threshold=2, shares=3)
    with pytest.raises(KeyFileError, match="not enough or mismatched shares"):
        custody.combine([first[0], second[1]])
    with pytest.raises(KeyFileError, match="share 3 does not belong"):
        custody.combine([first[0], first[1], second[2]])


def test_shares_of_different_keys_or_clashing_indices_are_refused() -> None:
    ours = custody.split(KEY, threshold=2, shares=3)
    theirs = custody.split(generate_key(epoch=2), threshold=2, shares=3)
    with pytest.raises(KeyFileError, match="different keys"):
        custody.combine([ours[0], theirs[1]])
    with pytest.raises(KeyFileError, match="two different shares carry index 1"):
        custody.combine([ours[0], replace(theirs[0], fingerprint=KEY.fingerprint)])
    with pytest.raises(KeyFileError, match="no shares"):
        custody.combine([])


def test_a_corrupted_share_is_caught_by_the_fingerprint() -> None:
    shares = custody.split(KEY, threshold=2, shares=3)
    flipped = replace(shares[0], data=bytes([shares[0].data[0] ^ 1]) + shares[0].data[1:])
    with pytest.raises(KeyFileError, match="mismatched"):
        custody.combine([flipped, shares[1]])


def test_a_share_document_round_trips_and_never_shows_the_secret() -> None:
    share = custody.split(KEY, threshold=2, shares=3)[1]
    text = custody.dump_share(share)
    document = json.loads(text)
    assert document["format"] == "kruispunt-key-share/1"
    assert (document["threshold"], document["shares"], document["index"]) == (2, 3, 2)
    assert document["fingerprint"] == KEY.fingerprint
    assert KEY.secret.hex() not in text
    assert custody.load_share(text) == share
    assert share.data.hex() not in repr(share)


def _retype(text: str, old: str, new: str) -> str:
    assert old in text
    return text.replace(old, new, 1)


def test_a_mistyped_share_document_is_caught_by_its_checksum() -> None:
    share = custody.split(KEY, threshold=2, shares=3)[0]
    text = custody.dump_share(share)
    document = json.loads(text)
    first_group = document["share"][:8]
    typo = ("1" if first_group[0] != "1" else "2") + first_group[1:]
    edits = [
        _retype(text, first_group, typo),
        _retype(text, '"index": 1', '"index": 2'),
        _retype(text, '"threshold": 2', '"threshold": 1'),
        _retype(text, f'"epoch": {KEY.epoch}', '"epoch": 9'),
    ]
    for edited in edits:
        with pytest.raises(KeyFileError, match="checksum mismatch"):
            custody.load_share(edited)
    # Spacing and letter case are not typos: custodians may retype the groups freely.
    relaxed = _retype(text, first_group, first_group.upper() + " ")
    assert custody.load_share(relaxed) == share


@pytest.mark.parametrize(
    "text",
    ["", "[]", '{"format": "kruispunt-key/1"}', '{"format": "kruispunt-key-share/1"}'],
)
def test_a_document_that_is_not_a_share_is_refused(text: str) -> None:
    with pytest.raises(KeyFileError):
        custody.load_share(text)


def test_share_files_are_private_and_never_overwritten(tmp_path: Path) -> None:
    shares = custody.split(KEY, threshold=2, shares=3)
    paths = custody.write_shares(shares, tmp_path / "custody")
    assert len(paths) == 3
    if os.name == "posix":
        assert {stat.S_IMODE(path.stat().st_mode) for path in paths} == {0o600}
    assert custody.combine(custody.read_share(path) for path in paths[1:]) == KEY
    with pytest.raises(KeyFileError, match="already exists"):
        custody.write_shares(shares, tmp_path / "custody")
    with pytest.raises(KeyFileError, match="cannot read share"):
        custody.read_share(tmp_path / "custody" / "absent.json")


@pytest.mark.parametrize(("threshold", "shares"), [(1, 3), (4, 3), (2, 256)])
def test_impossible_splits_are_refused(threshold: int, shares: int) -> None:
    with pytest.raises(ValueError, match="threshold"):
        custody.split(KEY, threshold=threshold, shares=shares)

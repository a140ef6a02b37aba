"""Shamir splitting of an OPRF key and Lagrange recombination, in the group and in scalars."""

from __future__ import annotations

import itertools
import secrets

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from client.oprf import group, protocol
from client.schemes.threshold import combine_public_keys, lagrange_at_zero, split_secret

SECRET, PUBLIC = protocol.derive_key_pair(secrets.token_bytes(32), b"threshold test")


def _interpolate(shares: list[tuple[int, bytes]]) -> bytes:
    weights = lagrange_at_zero([index for index, _ in shares])
    total = sum(
        int.from_bytes(group.scalar_mul(weights[index], share), "little") for index, share in shares
    )
    return (total % group.ORDER).to_bytes(32, "little")


@settings(max_examples=20, deadline=None)
@given(threshold=st.integers(1, 5), extra=st.integers(0, 3), data=st.data())
def test_any_threshold_shares_rebuild_the_key(
    threshold: int, extra: int, data: st.DataObject
) -> None:
    shares = split_secret(SECRET, threshold=threshold, shares=threshold + extra)
    chosen = data.draw(st.permutations(shares))[:threshold]
    assert _interpolate(list(chosen)) == SECRET


def test_fewer_shares_than_the_threshold_give_another_key() -> None:
    shares = split_secret(SECRET, threshold=3, shares=5)
    assert _interpolate(shares[:2]) != SECRET


def test_every_subset_of_share_keys_combines_to_the_public_key() -> None:
    shares = split_secret(SECRET, threshold=2, shares=4)
    share_keys = {index: protocol.public_key_of(share) for index, share in shares}
    for pair in itertools.combinations(share_keys, 2):
        assert combine_public_keys({i: share_keys[i] for i in pair}) == PUBLIC


def test_two_splits_of_one_key_do_not_mix() -> None:
    first = dict(split_secret(SECRET, threshold=2, shares=2))
    second = dict(split_secret(SECRET, threshold=2, shares=2))
    mixed = {1: protocol.public_key_of(first[1]), 2: protocol.public_key_of(second[2])}
    assert combine_public_keys(mixed) != PUBLIC


@pytest.mark.parametrize(("threshold", "shares"), [(0, 2), (3, 2), (2, 256)])
def test_impossible_splits_are_refused(threshold: int, shares: int) -> None:
    with pytest.raises(ValueError):
        split_secret(SECRET, threshold=threshold, shares=shares)


def test_repeated_indices_are_refused() -> None:
    with pytest.raises(ValueError):
        lagrange_at_zero([1, 1])

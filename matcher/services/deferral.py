"""Refreshes put off to the end of a block: inside it, a refresh only notes what it was given.

Detection's recount, detaching and link grouping each refresh what the alert list stores
(:mod:`.alert_filters`, :mod:`.status_counts`); one step touches many alerts two or three times.
Both refreshes are functions of the alerts as they are, so one refresh of everything noted, at
the end, leaves what each refresh in turn would have left.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlmodel import Session


@contextmanager
def deferring(
    session: Session, key: str, refresh: Callable[[Session, set[int]], None]
) -> Iterator[None]:
    """Note under session.info[key] during the block, then refresh the noted alerts once.

    Nested blocks of one key refresh at the end of the outermost; an error refreshes nothing
    (the transaction rolls back).
    """
    if key in session.info:
        yield
        return
    pending: set[int] = set()
    session.info[key] = pending
    try:
        yield
    finally:
        del session.info[key]
    refresh(session, pending)


def noted(session: Session, key: str) -> set[int] | None:
    """Return the set a refresh notes its alerts in, or None outside a deferring block."""
    pending: set[int] | None = session.info.get(key)
    return pending


__all__ = ["deferring", "noted"]

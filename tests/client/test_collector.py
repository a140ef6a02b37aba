"""The cycle collector is paused for a burst of work and left as it was afterwards."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from client.collector import no_cyclic_gc


@pytest.fixture
def collector_state() -> Iterator[None]:
    was_enabled = gc.isenabled()
    yield
    if was_enabled:
        gc.enable()
    else:
        gc.disable()


@pytest.mark.usefixtures("collector_state")
def test_the_collector_is_paused_inside_and_runs_again_after() -> None:
    gc.enable()

    with no_cyclic_gc():
        assert not gc.isenabled()

    assert gc.isenabled()


@pytest.mark.usefixtures("collector_state")
def test_the_collector_runs_again_after_an_error() -> None:
    gc.enable()

    with pytest.raises(ValueError), no_cyclic_gc():
        raise ValueError("a refused batch")

    assert gc.isenabled()


@pytest.mark.usefixtures("collector_state")
def test_a_collector_paused_by_the_caller_stays_paused() -> None:
    gc.disable()

    with no_cyclic_gc():
        pass

    assert not gc.isenabled()

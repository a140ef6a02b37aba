"""What keeping the alert list's counts per status costs at ingest: the share of refresh.

Runs ``benchmarks/ingest.py`` (same options) with :func:`matcher.services.status_counts.refresh`
timed, and prints the time spent in it against the run's wall clock, in the same run::

    .venv/bin/python benchmarks/status_counts_cost.py --backend both --tokens 200000
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import ingest  # benchmarks/ingest.py

from matcher.services import status_counts

spent = {"seconds": 0.0, "calls": 0, "alerts": 0}
_refresh = status_counts.refresh


def timed_refresh(session: Any, alert_ids: Any) -> None:
    ids = list(alert_ids)
    begin = time.perf_counter()
    try:
        _refresh(session, ids)
    finally:
        spent["seconds"] += time.perf_counter() - begin
        spent["calls"] += 1
        spent["alerts"] += len(ids)


def main() -> None:
    status_counts.refresh = timed_refresh  # type: ignore[assignment]
    begin = time.perf_counter()
    ingest.main()
    wall = time.perf_counter() - begin
    print(
        f"status_counts.refresh: {spent['seconds']:.2f} s in {spent['calls']:,} calls "
        f"({spent['alerts']:,} alert ids) of {wall:.1f} s in all "
        f"({100 * spent['seconds'] / wall:.1f}%)"
    )


if __name__ == "__main__":
    main()

"""Core tables of the data path's models, for set-based statements and bulk writes.

Statements over these are plain Core (no ORM unit of work, no identity map), which is what
thousands of rows per batch need.
"""

from __future__ import annotations

from sqlalchemy import Table

from matcher.models import (
    Agency,
    Alert,
    AlertAgency,
    AlertKind,
    AlertRegion,
    Batch,
    BenignHub,
    DetectionJob,
    DetectionLease,
    KindBit,
    RegionBit,
    Signal,
    SignalToken,
    SubmissionDay,
)

AGENCIES: Table = Agency.__table__  # type: ignore[attr-defined]
ALERTS: Table = Alert.__table__  # type: ignore[attr-defined]
ALERT_AGENCIES: Table = AlertAgency.__table__  # type: ignore[attr-defined]
ALERT_KINDS: Table = AlertKind.__table__  # type: ignore[attr-defined]
ALERT_REGIONS: Table = AlertRegion.__table__  # type: ignore[attr-defined]
BATCHES: Table = Batch.__table__  # type: ignore[attr-defined]
HUBS: Table = BenignHub.__table__  # type: ignore[attr-defined]
KIND_BITS: Table = KindBit.__table__  # type: ignore[attr-defined]
JOBS: Table = DetectionJob.__table__  # type: ignore[attr-defined]
LEASES: Table = DetectionLease.__table__  # type: ignore[attr-defined]
REGION_BITS: Table = RegionBit.__table__  # type: ignore[attr-defined]
SIGNALS: Table = Signal.__table__  # type: ignore[attr-defined]
SIGNAL_TOKENS: Table = SignalToken.__table__  # type: ignore[attr-defined]
SUBMISSION_DAYS: Table = SubmissionDay.__table__  # type: ignore[attr-defined]

"""The matcher's tables. Only tokens, opaque references, categories, dates and counts.

Tokens are stored peppered (HMAC with a server key kept outside the database). Every table
that holds tokens is keyed so that it can be distributed by token (Citus): uniqueness on a
token always includes the token column.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import JSON as SA_JSON
from sqlalchemy import BigInteger, Column, Index, LargeBinary, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from matcher import append_only, partitions


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class AgencyKind(StrEnum):
    MUNICIPALITY = "municipality"
    POLICE = "police"
    INSPECTORATE = "inspectorate"
    OTHER = "other"


class Agency(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, max_length=120)
    kind: str = Field(max_length=20)  # AgencyKind
    region: str = Field(max_length=80, index=True)
    #: a functional mailbox or desk for disclosure; set by an administrator, not by agencies' data
    contact_point: str | None = Field(default=None, max_length=200)
    #: this agency's submission limits; None takes the matcher's setting (SUBMIT_SIGNALS_PER_*)
    signals_per_batch: int | None = None
    signals_per_day: int | None = None
    created_at: dt.datetime = Field(default_factory=utcnow)


class ApiToken(SQLModel, table=True):
    """An API credential of an agency or of a coordinator. Only a SHA-256 of the secret is kept."""

    __tablename__ = "api_token"

    id: int | None = Field(default=None, primary_key=True)
    #: exactly one of agency_id (agency endpoints) and user_id (coordinator endpoints) is set
    agency_id: int | None = Field(default=None, foreign_key="agency.id", index=True)
    user_id: int | None = Field(default=None, foreign_key="user_account.id", index=True)
    token_hash: bytes = Field(sa_column=Column(LargeBinary(32), unique=True, nullable=False))
    #: space-separated scopes: submit withdraw alerts
    scopes: str = Field(max_length=100)
    label: str = Field(default="", max_length=80)
    created_at: dt.datetime = Field(default_factory=utcnow)
    revoked_at: dt.datetime | None = None


class KeyEpochStatus(StrEnum):
    CURRENT = "current"
    RETIRED = "retired"


class KeyEpoch(SQLModel, table=True):
    """A pseudonymization key epoch the matcher accepts, known by fingerprint only."""

    __tablename__ = "key_epoch"
    __table_args__ = (UniqueConstraint("scheme", "fingerprint"),)

    id: int | None = Field(default=None, primary_key=True)
    scheme: str = Field(max_length=10)
    epoch: int
    fingerprint: str = Field(max_length=32)
    status: str = Field(default=KeyEpochStatus.CURRENT, max_length=10)
    created_at: dt.datetime = Field(default_factory=utcnow)
    retired_at: dt.datetime | None = None


class Batch(SQLModel, table=True):
    """One accepted upload. The primary key makes a replay detectable (idempotency)."""

    id: str = Field(primary_key=True, max_length=36)  # the client's batch uuid
    agency_id: int = Field(foreign_key="agency.id", index=True)
    received_at: dt.datetime = Field(default_factory=utcnow)
    scheme: str = Field(max_length=10)
    key_fingerprint: str = Field(max_length=32)
    key_epoch: int
    normalization_version: str = Field(max_length=10)
    signal_count: int
    token_count: int
    tokens_per_kind: dict[str, int] = Field(sa_column=Column(SA_JSON, nullable=False))


class DetectionJob(SQLModel, table=True):
    """A stored batch whose overlaps are still to be found: the durable detection queue.

    Ingest adds the row in the batch's own transaction; a worker deletes it in the transaction
    that finds the batch's overlaps, so a crash on either side loses nothing and repeats nothing.
    """

    __tablename__ = "detection_job"

    id: int | None = Field(default=None, primary_key=True)
    batch_id: str = Field(max_length=36, unique=True)
    agency_id: int
    enqueued_at: dt.datetime = Field(default_factory=utcnow)
    #: the batch came through the API's submission limits: detection samples its tokens for
    #: the unusual-submission signal (matcher.services.submission_limits.check_fresh)
    check_fresh: bool = False


class SubmissionDay(SQLModel, table=True):
    """Signals an agency submitted on one UTC day: the shared counter of the daily limit.

    A conditional ``UPDATE`` of this row admits a batch, so concurrent batches of one agency,
    in any process on any host, cannot together pass the limit.
    """

    __tablename__ = "submission_day"

    agency_id: int = Field(foreign_key="agency.id", primary_key=True)
    day: dt.date = Field(primary_key=True)
    signals: int = 0
    batches: int = 0


class Signal(SQLModel, table=True):
    """An agency's signal: an opaque reference, a category and dates. Never an identifier."""

    __table_args__ = (UniqueConstraint("agency_id", "ref"),)

    id: int | None = Field(default=None, primary_key=True)
    agency_id: int = Field(foreign_key="agency.id")
    ref: str = Field(max_length=22)
    batch_id: str = Field(max_length=36, index=True)
    category: str = Field(max_length=30)
    observed_on: dt.date
    retain_until: dt.date = Field(index=True)
    created_at: dt.datetime = Field(default_factory=utcnow)


class SignalToken(SQLModel, table=True):
    """A peppered token held by a signal. Deleted with the signal (retention by deletion)."""

    __tablename__ = "signal_token"
    # SQLite: the primary key is the table (no rowid b-tree beside it): half the writes per token
    # PostgreSQL: hash-partitioned by token (matcher.partitions), so each partition's index stays
    # a sixteenth of the whole; Citus distributes the same table by the same column
    __table_args__ = (
        Index("ix_signal_token_signal", "signal_id"),
        {"sqlite_with_rowid": False, "postgresql_partition_by": "HASH (token)"},
    )

    token: bytes = Field(sa_column=Column(LargeBinary(32), primary_key=True))
    signal_id: int = Field(primary_key=True)
    agency_id: int
    kind: str = Field(max_length=10)
    level: str = Field(max_length=12)


partitions.attach(SignalToken.__table__)  # type: ignore[attr-defined]


class DetectionLease(SQLModel, table=True):
    """The one row whose lock serializes everything that recounts alerts from signals.

    A detection job, a withdrawal and a purge upsert this row first and hold its lock until they
    commit, so there is never a second detector at work: each one sees every signal committed
    before it, and one join of a batch's tokens against ``signal_token`` finds all its overlaps
    (:mod:`matcher.services.lease`). A plain row lock: it works the same on Citus (a reference
    table), where advisory locks would not.
    """

    __tablename__ = "detection_lease"

    id: int = Field(default=1, primary_key=True)
    taken_at: dt.datetime = Field(default_factory=utcnow)


class AlertStatus(StrEnum):
    NEW = "new"
    TRIAGE = "triage"
    DISMISSED = "dismissed"
    NO_ACTION = "no_action"
    DISCLOSURE_REQUESTED = "disclosure_requested"
    DISCLOSED = "disclosed"
    CASE_PROPOSED = "case_proposed"
    HANDED_OVER = "handed_over"
    CLOSED = "closed"
    EMBARGOED = "embargoed"
    MERGED = "merged"
    EXPIRED = "expired"


#: the alerts the list shows: those that are not evidence of another
_LISTED = text("link_id IS NULL")
#: the alert list's indexes (partial: over the listed alerts only)
LIST_INDEXES: dict[str, tuple[str, ...]] = {
    "ix_alert_list_recent": ("last_seen", "id", "strength", "status", "region_bits", "kind_bits"),
    "ix_alert_list_agencies": (
        "agency_count", "last_seen", "id", "strength", "status", "region_bits", "kind_bits",
    ),
    "ix_alert_list_reach": (
        "region_count", "agency_count", "signal_count", "last_seen", "id", "strength", "status",
        "region_bits", "kind_bits",
    ),
    "ix_alert_list_counts": ("status", "strength"),
}  # fmt: skip


class Alert(SQLModel, table=True):
    """A token held by two or more distinct agencies (unique on token).

    Tokens of one real link are grouped (matcher.services.links): the first is the alert the
    coordinator works on, the others are its evidence (``link_id`` names the first).
    """

    __table_args__ = (
        Index("ix_alert_status_last_seen", "status", "last_seen"),
        Index("ix_alert_last_seen", "last_seen"),
        # The alert list (matcher.services.alerts): one index per sort order over the alerts it
        # shows (no link_id), ending in the columns it filters on, so that a page, however deep,
        # walks one index and reads only the rows it shows; and one for its counts per status.
        # Kinds are in alert_kind, regions in alert_region, and both as bits in the indexes.
        *(
            Index(name, *columns, sqlite_where=_LISTED, postgresql_where=_LISTED)
            for name, columns in LIST_INDEXES.items()
        ),
        # an alert's evidence (link_id = its id); partial, so that no planner walks it for
        # the alerts without one (the list's partial indexes serve those)
        Index(
            "ix_alert_evidence",
            "link_id",
            sqlite_where=text("link_id IS NOT NULL"),
            postgresql_where=text("link_id IS NOT NULL"),
        ),
        # the weekly counts of alerts detected (matcher.services.alert_counts)
        Index("ix_alert_created_at", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    #: None once no signal holds the token any more: the alert stays for its workflow history,
    #: the token does not (retention by deletion)
    token: bytes | None = Field(sa_column=Column(LargeBinary(32), unique=True, nullable=True))
    kind: str = Field(max_length=10, index=True)
    level: str = Field(max_length=12)
    status: str = Field(default=AlertStatus.NEW, max_length=24)
    agency_count: int = 0
    region_count: int = 0
    signal_count: int = 0
    first_seen: dt.datetime = Field(default_factory=utcnow)
    last_seen: dt.datetime = Field(default_factory=utcnow)
    created_at: dt.datetime = Field(default_factory=utcnow)
    updated_at: dt.datetime = Field(default_factory=utcnow)
    released_at: dt.datetime | None = None
    assigned_to: int | None = Field(default=None, foreign_key="user_account.id")
    possible_victim: bool = False
    merged_into: int | None = None
    external_reference: str | None = Field(default=None, max_length=80)
    case_route: str | None = Field(default=None, max_length=30)
    #: strong, medium or weak, from the evidence (matcher.services.strength)
    strength: str = Field(default="weak", max_length=8)
    #: set when this token's alert is evidence of another alert (one alert per real link)
    link_id: int | None = None
    #: the bits (region_bit.mask, kind_bit.mask) of the regions in its alert_region rows and of
    #: the kinds in its alert_kind rows: the list tests a coordinator's regions and a kind on
    #: the entries of its index instead of looking each alert up (matcher.services.list_bits)
    region_bits: int = Field(
        default=0, sa_column=Column(BigInteger, nullable=False, server_default="0")
    )
    kind_bits: int = Field(
        default=0, sa_column=Column(BigInteger, nullable=False, server_default="0")
    )


class AlertAgency(SQLModel, table=True):
    """Which agencies an alert involves, kept in step with the signals at ingest and withdrawal."""

    __tablename__ = "alert_agency"

    alert_id: int = Field(foreign_key="alert.id", primary_key=True)
    agency_id: int = Field(foreign_key="agency.id", primary_key=True, index=True)
    signal_count: int = 0
    first_seen: dt.datetime = Field(default_factory=utcnow)
    last_seen: dt.datetime = Field(default_factory=utcnow)


class AlertRegion(SQLModel, table=True):
    """A region of an agency an alert involves: the list's region scope, stored, not derived.

    Kept exact by :func:`matcher.services.alert_filters.refresh` wherever an alert's agencies
    change (detection, withdrawal, retention purge).
    """

    __tablename__ = "alert_region"
    __table_args__ = (
        Index("ix_alert_region_region", "region", "alert_id"),
        {"sqlite_with_rowid": False},
    )

    alert_id: int = Field(foreign_key="alert.id", primary_key=True)
    region: str = Field(max_length=80, primary_key=True)


class RegionBit(SQLModel, table=True):
    """A region's bit in ``alert.region_bits`` (matcher.services.list_bits).

    Given to the first 63 regions when their first agency is registered, and never reused or
    moved; a region without one is tested through ``alert_region``.
    """

    __tablename__ = "region_bit"

    region: str = Field(max_length=80, primary_key=True)
    #: a power of two, 1 to 2**62
    mask: int = Field(sa_column=Column(BigInteger, nullable=False, unique=True))


class KindBit(SQLModel, table=True):
    """A kind's bit in ``alert.kind_bits`` (matcher.services.list_bits).

    Given to the first 63 kinds when the first alert with evidence of the kind is stored;
    never reused or moved; a kind without one is tested through ``alert_kind``.
    """

    __tablename__ = "kind_bit"

    kind: str = Field(max_length=10, primary_key=True)
    #: a power of two, 1 to 2**62
    mask: int = Field(sa_column=Column(BigInteger, nullable=False, unique=True))


class AlertTally(SQLModel, table=True):
    """The keys a listed alert is counted under in ``alert_status_count``.

    Its regions, status and strength, and its facets: the kinds of its evidence and the agencies
    it involves, each counted as well. One row per alert the list shows (no ``link_id``); none
    for evidence of another alert. Kept by :func:`matcher.services.status_counts.refresh`, which
    compares it with the alert as it is now and moves the alert's counts from the old keys to
    the new.
    """

    __tablename__ = "alert_tally"

    alert_id: int = Field(foreign_key="alert.id", primary_key=True)
    #: the alert's regions, sorted, joined by matcher.services.status_counts.SEPARATOR
    regions: str = Field(sa_column=Column(Text, nullable=False))
    status: str = Field(max_length=24)
    strength: str = Field(max_length=8)
    #: ``kind:<kind>``, ``agency:<id>`` and ``kind:<kind>,agency:<id>`` of the alert, sorted,
    #: joined like the regions
    facets: str = Field(default="", sa_column=Column(Text, nullable=False))


class AlertStatusCount(SQLModel, table=True):
    """A number of listed alerts with these regions, status, strength and facet (the list's
    counts): facet ``''`` counts every such alert, ``kind:phone`` those with phone evidence,
    ``agency:5`` those involving agency 5, ``kind:phone,agency:5`` those with both.

    Not unique per key: a change adds a row of its own and folds the rows no other transaction
    holds into it (:mod:`matcher.services.status_counts`), so concurrent changes never wait on
    one counter row; a read sums the rows of a key.
    """

    __tablename__ = "alert_status_count"
    __table_args__ = (Index("ix_alert_status_count_key", "facet", "status", "strength"),)

    id: int | None = Field(default=None, primary_key=True)
    regions: str = Field(sa_column=Column(Text, nullable=False))
    status: str = Field(max_length=24)
    strength: str = Field(max_length=8)
    facet: str = Field(default="", max_length=48)
    alerts: int = 0


class AlertKind(SQLModel, table=True):
    """A kind of an alert's evidence (its own token's and those of alerts linked to it).

    The list's kind filter reads this; :func:`matcher.services.alert_filters.refresh` keeps it
    exact wherever evidence joins or leaves an alert (detection, linking, detaching).
    """

    __tablename__ = "alert_kind"
    __table_args__ = (Index("ix_alert_kind_kind", "kind", "alert_id"), {"sqlite_with_rowid": False})

    alert_id: int = Field(foreign_key="alert.id", primary_key=True)
    kind: str = Field(max_length=10, primary_key=True)


class BenignHub(SQLModel, table=True):
    """A token a coordinator marked as a shared, harmless hub (a hotel switchboard)."""

    __tablename__ = "benign_hub"

    token: bytes = Field(sa_column=Column(LargeBinary(32), primary_key=True))
    reason: str = Field(max_length=200)
    marked_by: int | None = Field(default=None, foreign_key="user_account.id")
    marked_at: dt.datetime = Field(default_factory=utcnow)


class UserRole(StrEnum):
    COORDINATOR = "coordinator"
    ANALYST = "analyst"
    ADMIN = "admin"
    AUDITOR = "auditor"


class UserAccount(SQLModel, table=True):
    """A dashboard user; the password is kept as an Argon2id hash."""

    __tablename__ = "user_account"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(unique=True, max_length=80)
    password_hash: str = Field(max_length=200)
    role: str = Field(max_length=12)
    agency_id: int | None = Field(default=None, foreign_key="agency.id")
    #: comma-separated regions a coordinator is scoped to; empty means none
    regions: str = Field(default="", max_length=400)
    totp_secret: str | None = Field(default=None, max_length=64)
    #: the last TOTP time step accepted, so that a code cannot be replayed
    totp_last_step: int | None = None
    failed_logins: int = 0
    locked_until: dt.datetime | None = None
    active: bool = True
    #: carried in the session cookie; raising it ends every session of the user at once
    session_generation: int = 0
    created_at: dt.datetime = Field(default_factory=utcnow)


class AlertEvent(SQLModel, table=True):
    """The workflow history of an alert."""

    __tablename__ = "alert_event"

    id: int | None = Field(default=None, primary_key=True)
    alert_id: int = Field(foreign_key="alert.id", index=True)
    at: dt.datetime = Field(default_factory=utcnow)
    actor: str = Field(max_length=80)
    action: str = Field(max_length=40)
    from_status: str | None = Field(default=None, max_length=24)
    to_status: str | None = Field(default=None, max_length=24)
    note: str | None = Field(default=None, max_length=1000)


class DisclosureDecision(SQLModel, table=True):
    """An involved agency's answer to a disclosure request, with its legal basis."""

    __tablename__ = "disclosure_decision"

    alert_id: int = Field(foreign_key="alert.id", primary_key=True)
    agency_id: int = Field(foreign_key="agency.id", primary_key=True)
    decision: str = Field(max_length=10)  # pending | approved | declined
    legal_basis: str | None = Field(default=None, max_length=30)
    decided_by: str | None = Field(default=None, max_length=80)
    decided_at: dt.datetime | None = None


class AuditEntry(SQLModel, table=True):
    """Append-only, hash-chained: each entry's hash covers its content and the previous hash."""

    __tablename__ = "audit_entry"

    id: int | None = Field(default=None, primary_key=True)
    at: dt.datetime = Field(default_factory=utcnow)
    actor: str = Field(max_length=80)
    action: str = Field(max_length=40, index=True)
    subject: str = Field(default="", max_length=80)
    details: dict[str, object] = Field(
        default_factory=dict, sa_column=Column(SA_JSON, nullable=False)
    )
    prev_hash: str = Field(max_length=64, unique=True)
    hash: str = Field(max_length=64, unique=True)


append_only.protect(AuditEntry.__table__)  # type: ignore[attr-defined]


class AuditHead(SQLModel, table=True):
    """The single row naming the chain's last entry; updating it serializes appends."""

    __tablename__ = "audit_head"

    id: int = Field(default=1, primary_key=True)
    last_id: int | None = None
    last_hash: str = Field(max_length=64)
    entries: int = 0

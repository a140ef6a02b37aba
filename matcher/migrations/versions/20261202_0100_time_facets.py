"""alert list counts per month and per week stored

The list filtered on a period counted its alerts per status from the alerts (154-239 ms for a
kind and four months at 10^6 alerts on PostgreSQL), and its picture of alerts detected per week
counted the alerts of twelve weeks on every page. Each listed alert is now also counted under
the month of its ``last_seen`` (``month:2025-06``), under that month with each kind of its
evidence (``kind:address,month:2025-06``) and under the week it was detected (``week:2025-06-02``,
the Monday of its ``created_at``). The tables keep their shape; their rows are derived numbers
and are filled again from the alerts, their stored regions and kinds and their agencies,
set-based.

Revision ID: 20261202_0100_time_facets
Revises: 20261201_1900_kind_agency_facets
Create Date: 2026-12-02 01:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "20261202_0100_time_facets"
down_revision: str | None = "20261201_1900_kind_agency_facets"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: every facet of every alert as the revision before has them: kinds, agencies and their pairs
_FACETS = (
    "SELECT alert_id, 'kind:' || kind AS facet FROM alert_kind"
    " UNION ALL SELECT alert_id, 'agency:' || CAST(agency_id AS TEXT) FROM alert_agency"
    " UNION ALL SELECT k.alert_id, 'kind:' || k.kind || ',agency:' || CAST(a.agency_id AS TEXT)"
    " FROM alert_kind AS k JOIN alert_agency AS a ON a.alert_id = k.alert_id"
)
#: and the month of the alert's last_seen, alone and with each kind (UTC, YYYY-MM), and the
#: Monday of the week of its created_at (UTC, YYYY-MM-DD)
_MONTH = {
    "postgresql": "to_char(alert.last_seen AT TIME ZONE 'UTC', 'YYYY-MM')",
    "sqlite": "strftime('%Y-%m', alert.last_seen)",
}
_WEEK = {
    "postgresql": "to_char(date_trunc('week', alert.created_at AT TIME ZONE 'UTC'), 'YYYY-MM-DD')",
    "sqlite": "date(alert.created_at, 'weekday 0', '-6 days')",
}
_TIME_FACETS = (
    "SELECT alert.id AS alert_id, 'month:' || {month} AS facet FROM alert"
    " UNION ALL SELECT k.alert_id, 'kind:' || k.kind || ',month:' || {month}"
    " FROM alert_kind AS k JOIN alert ON alert.id = k.alert_id"
    " UNION ALL SELECT alert.id, 'week:' || {week} FROM alert"
)


def _refill(*, times: bool) -> None:
    """Fill both tables again from the alerts, with or without the facets of time."""
    dialect = op.get_bind().dialect.name
    facets = _FACETS
    if times:
        facets += " UNION ALL " + _TIME_FACETS.format(month=_MONTH[dialect], week=_WEEK[dialect])
    if dialect == "postgresql":
        regions = 'string_agg(region, chr(31) ORDER BY region COLLATE "C")'
        joined = 'string_agg(facet, chr(31) ORDER BY facet COLLATE "C")'
        region_rows, facet_rows = "alert_region", f"({facets})"
    else:
        # SQLite concatenates in the order rows arrive: the subqueries sort them (byte order)
        regions, joined = "group_concat(region, char(31))", "group_concat(facet, char(31))"
        region_rows = "(SELECT alert_id, region FROM alert_region ORDER BY alert_id, region)"
        facet_rows = f"(SELECT alert_id, facet FROM ({facets}) ORDER BY alert_id, facet)"  # noqa: S608 (constants)
    op.execute("DELETE FROM alert_status_count")
    op.execute("DELETE FROM alert_tally")
    op.execute(
        "INSERT INTO alert_tally (alert_id, regions, status, strength, facets)"  # noqa: S608 (constants)
        " SELECT alert.id, coalesce(held.regions, ''), alert.status, alert.strength,"
        " coalesce(faceted.facets, '')"
        f" FROM alert LEFT JOIN (SELECT alert_id, {regions} AS regions FROM {region_rows} AS r"
        " GROUP BY alert_id) AS held ON held.alert_id = alert.id"
        f" LEFT JOIN (SELECT alert_id, {joined} AS facets FROM {facet_rows} AS f"
        " GROUP BY alert_id) AS faceted ON faceted.alert_id = alert.id"
        " WHERE alert.link_id IS NULL"
    )
    op.execute(
        "INSERT INTO alert_status_count (regions, status, strength, facet, alerts)"  # noqa: S608 (constants)
        " SELECT regions, status, strength, '', count(*) FROM alert_tally"
        " GROUP BY regions, status, strength"
        " UNION ALL SELECT regions, status, strength, f.facet, count(*) FROM alert_tally"
        f" JOIN ({facets}) AS f ON f.alert_id = alert_tally.alert_id"
        " GROUP BY regions, status, strength, f.facet"
    )


def upgrade() -> None:
    _refill(times=True)


def downgrade() -> None:
    _refill(times=False)

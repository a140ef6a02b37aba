"""One alert per real link: group the alerts of the tokens two agencies' signals share.

Ingest makes one alert row per shared token that adds evidence (:mod:`.overlap`: not for a
token that only repeats a stronger one of the same signals). Here each new one either becomes
evidence of an open alert about the same signals (``link_id`` names that alert, which the
coordinator works on) or stays an alert of its own. The rules keep weak evidence from joining
what is separate:

* identifying evidence joins an open alert that holds one of its signals, when identifying
  evidence (exact or near) holds that alert together too, or all of that alert's signals are
  among its own (a new agency joins a link through a shared phone; an alert made of names only
  is not pulled into another link);
* only an alert whose status takes evidence (``takes_evidence`` in :mod:`matcher.alert_states`:
  new, in triage) is joined;
* partial and weak evidence (a business or person name, a building, a hub token), and an address
  lacking the other's addition (``no_addition``: the bare number may be any dwelling of the
  building), joins only an alert that already holds all of its signals, and leaves it again once
  other signals hold it too: a common name never chains separate links into one giant alert.

New alerts are taken strongest evidence first, so the exact phone of a link becomes its alert and
the swapped-digit, building and name tokens its evidence. Each touched alert is graded again
(:mod:`.strength`). Detection jobs run one at a time under the detection lease
(:mod:`.lease`), so two batches bringing the first evidence of one link make one alert.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

from sqlalchemy import bindparam, func, or_, select, update
from sqlmodel import Session

from client import kinds
from matcher import alert_states
from matcher.services import alert_filters, status_counts
from matcher.services.bulk import among, among_partitioned, chunks
from matcher.services.overlap import Made
from matcher.services.strength import STRENGTHS, Evidence, grade_rank, strength
from matcher.services.tables import ALERTS, SIGNAL_TOKENS


#: among evidence of one grade, the kind and level declared first lead (phone before address)
def _order(alert: _Alert) -> tuple[int, int]:
    names, levels = kinds.names(), kinds.levels(alert.kind)
    kind_rank = names.index(alert.kind) if alert.kind in names else len(names)
    return kind_rank, levels.index(alert.level) if alert.level in levels else len(levels)


@dataclass
class _Alert:
    id: int
    kind: str
    level: str
    token: bytes
    signals: set[int]


def link_new_alerts(session: Session, made: Collection[Made]) -> set[int]:
    """Group newly made alerts into the open alerts of their links; return the alerts regraded.

    The alerts come with the signals holding their tokens, as the refresh that made them read
    them (:func:`.overlap.tally`).

    What the batch's new alerts may touch is read once (:class:`_Links`): the alerts holding any
    of their signals, the links those alerts belong to, every member's signals. The rules run on
    those in memory, in the order they would run alert by alert; link ids and grades are written
    in bulk at the end.
    """
    if not made:
        return set()
    new = [_Alert(item.id, item.kind, item.level, item.token, set(item.signals)) for item in made]
    new.sort(key=lambda item: (grade_rank(item.kind, item.level), _order(item), item.id))
    state = _Links.read(session, new)
    touched: set[int] = set()
    waiting = {alert.id for alert in new}
    for alert in new:
        waiting.discard(alert.id)
        target = _target(state, alert, waiting)
        if target is not None:
            state.join(alert.id, target)
        # graded at once: the next alert of this batch reads the grade to choose its link
        state.grade(target or alert.id)
        touched.add(target or alert.id)
    state.write(session)
    alert_filters.refresh(session, touched)  # counts them under their grades as well
    status_counts.refresh(session, [item.id for item in made])  # evidence leaves the counts
    return touched


def detach_outgrown(session: Session, tokens: Collection[bytes]) -> set[int]:
    """Detach name-like evidence now joining signals outside its link; return the alerts regraded.

    A name shared by two signals of a phone link is evidence of it; once other agencies' signals
    hold the same name too, it no longer speaks for that link and stands as an alert of its own.
    Building alerts are labelled again first (:func:`relabel_buildings`).
    """
    touched = relabel_buildings(session, tokens)
    for chunk in chunks(sorted(tokens)):
        rows = session.execute(
            select(
                ALERTS.c.id, ALERTS.c.kind, ALERTS.c.level, ALERTS.c.signal_count, ALERTS.c.link_id
            ).where(among(session, ALERTS.c.token, chunk), ALERTS.c.link_id.is_not(None))
        ).all()
        for alert_id, kind, level, signals, primary in rows:
            if Evidence(kind, level, signals).brings_signals:
                continue
            own = _signals_of(session, alert_id)
            if own <= _anchor_signals(session, primary, besides=alert_id):
                continue
            session.execute(update(ALERTS).where(ALERTS.c.id == alert_id).values(link_id=None))
            touched.update((alert_id, primary))
    _grade(session, touched)
    alert_filters.refresh(session, touched)  # counts them under their grades as well
    return touched


#: the building token of an address written without an addition: near evidence next to one with
BARE, BUILDING = "no_addition", "building"


def relabel_buildings(session: Session, tokens: Collection[bytes]) -> set[int]:
    """Label each building alert of these tokens by its holders; return the alerts regraded
    (the caller, :func:`detach_outgrown`, refreshes their stored list filters and counts).

    A building token is one value whichever spelling gave it; the client labels it ``no_addition``
    when the address was written without an addition. An alert whose holders mix both labels, and
    whose holders with an addition agree on it (they share a unit token), is ``no_addition``: one
    spelling lacks the other's addition, near identifying evidence. Otherwise (two different
    additions, or no spelling with one) it is ``building``, weak.
    """
    touched: set[int] = set()
    for chunk in chunks(sorted(tokens)):
        rows = session.execute(
            select(ALERTS.c.id, ALERTS.c.level, ALERTS.c.link_id, SIGNAL_TOKENS.c.signal_id)
            .add_columns(SIGNAL_TOKENS.c.level)
            .join(SIGNAL_TOKENS, SIGNAL_TOKENS.c.token == ALERTS.c.token)
            .where(
                among(session, ALERTS.c.token, chunk),
                ALERTS.c.kind == "address",
                ALERTS.c.level.in_((BARE, BUILDING)),
            )
        ).all()
        holders: dict[int, tuple[str, int | None, set[int], set[int]]] = {}
        for alert_id, level, primary, signal_id, label in rows:
            _, _, bare, added = holders.setdefault(alert_id, (level, primary, set(), set()))
            (bare if label == BARE else added).add(signal_id)
        for alert_id, (level, primary, bare, added) in holders.items():
            wanted = BARE if bare and added and _one_addition(session, added) else BUILDING
            if wanted != level:
                session.execute(update(ALERTS).where(ALERTS.c.id == alert_id).values(level=wanted))
                touched.add(primary or alert_id)
    _grade(session, touched)  # the caller refreshes the list's stored filters and counts
    return touched


def _one_addition(session: Session, signals: set[int]) -> bool:
    """Say whether these signals' addresses agree on the addition (all hold one unit token)."""
    if len(signals) < 2:
        return True
    common = (
        select(SIGNAL_TOKENS.c.token)
        .where(
            among(session, SIGNAL_TOKENS.c.signal_id, sorted(signals)),
            SIGNAL_TOKENS.c.kind == "address",
            SIGNAL_TOKENS.c.level == "unit",
        )
        .group_by(SIGNAL_TOKENS.c.token)
        .having(func.count(func.distinct(SIGNAL_TOKENS.c.signal_id)) == len(signals))
        .limit(1)
    )
    return session.execute(common).first() is not None


def _anchor_signals(session: Session, primary: int, *, besides: int) -> set[int]:
    """Return the signals an alert and its signal-bringing evidence hold (not ``besides``).

    Names and buildings do not vouch for each other: once one name token of a link is held by
    another business too, its sibling tokens (the name's near keys) are held by it as well, and
    each would otherwise find the stray signal covered by the others and stay.
    """
    held: set[int] = set()
    for alert_id, item in evidence_of(session, primary):
        if alert_id != besides and (alert_id == primary or item.brings_signals):
            held |= item.held
    return held


def _signals_of(session: Session, alert_id: int) -> set[int]:
    rows = session.execute(
        select(SIGNAL_TOKENS.c.signal_id)
        .select_from(SIGNAL_TOKENS.join(ALERTS, ALERTS.c.token == SIGNAL_TOKENS.c.token))
        .where(ALERTS.c.id == alert_id)
    )
    return set(rows.scalars())


@dataclass
class _Held:
    """An alert as linking reads it: its evidence, its place in a link, its workflow state."""

    evidence: Evidence
    link_id: int | None
    status: str
    strength: str


@dataclass
class _Links:
    """The alerts a batch's new alerts may touch, read once, changed in memory, written once.

    ``alerts`` holds every alert whose token a signal of a new alert holds, and every alert of
    the links those belong to (the alert and its evidence), each with all its signals;
    ``holders`` names, per signal of a new alert, the alerts whose token it holds. Linking only
    ever joins a new alert to one of those links, so nothing outside them is read or changed.
    """

    alerts: dict[int, _Held]
    holders: dict[int, set[int]]
    linked: dict[int, set[int]]
    joined: dict[int, int] = field(default_factory=dict)
    graded: set[int] = field(default_factory=set)
    _signals: dict[int, set[int]] = field(default_factory=dict)

    @classmethod
    def read(cls, session: Session, new: list[_Alert]) -> _Links:
        wanted = sorted({signal for alert in new for signal in alert.signals})
        primaries: set[int] = set()
        for chunk in chunks(wanted):
            primaries.update(
                session.execute(
                    select(func.coalesce(ALERTS.c.link_id, ALERTS.c.id))
                    .select_from(
                        SIGNAL_TOKENS.join(ALERTS, ALERTS.c.token == SIGNAL_TOKENS.c.token)
                    )
                    .where(among(session, SIGNAL_TOKENS.c.signal_id, chunk))
                    .distinct()
                ).scalars()
            )
        rows: dict[int, tuple[Any, ...]] = {}
        for chunk in chunks(sorted(primaries)):
            for column in (ALERTS.c.id, ALERTS.c.link_id):
                statement = select(
                    ALERTS.c.id,
                    ALERTS.c.kind,
                    ALERTS.c.level,
                    ALERTS.c.signal_count,
                    ALERTS.c.link_id,
                    ALERTS.c.status,
                    ALERTS.c.strength,
                    ALERTS.c.token,
                ).where(among(session, column, chunk))
                for row in session.execute(statement):
                    rows[row[0]] = tuple(row)
        by_token = {row[7]: row[0] for row in rows.values() if row[7] is not None}
        signals: dict[int, set[int]] = {alert_id: set() for alert_id in rows}
        for chunk in chunks(sorted(by_token)):
            pairs = session.execute(
                select(SIGNAL_TOKENS.c.token, SIGNAL_TOKENS.c.signal_id).where(
                    among_partitioned(session, SIGNAL_TOKENS.c.token, chunk)
                )
            )
            for token, signal_id in pairs:
                signals[by_token[token]].add(signal_id)
        alerts: dict[int, _Held] = {}
        linked: dict[int, set[int]] = {}
        for alert_id, kind, level, count, link_id, status, grade, _ in rows.values():
            evidence = Evidence(kind, level, count, frozenset(signals[alert_id]))
            alerts[alert_id] = _Held(evidence, link_id, status, grade)
            if link_id is not None:
                linked.setdefault(link_id, set()).add(alert_id)
        own = set(wanted)
        holders: dict[int, set[int]] = {}
        for alert_id, held in signals.items():
            for signal_id in held & own:
                holders.setdefault(signal_id, set()).add(alert_id)
        return cls(alerts, holders, linked)

    def members(self, primary: int) -> list[int]:
        """Return an alert and every alert that is evidence of it (``evidence_of``)."""
        return sorted({primary} | self.linked.get(primary, set()))

    def link_signals(self, primary: int) -> set[int]:
        """Return the signals holding any token of an alert or of its evidence."""
        found = self._signals.get(primary)
        if found is None:
            found = set()
            for alert_id in self.members(primary):
                found |= self.alerts[alert_id].evidence.held
            self._signals[primary] = found
        return found

    def anchored(self, primary: int) -> bool:
        """Say whether identifying evidence holds an alert's link together ."""
        return any(self.alerts[item].evidence.brings_signals for item in self.members(primary))

    def holding(self, signals: Iterable[int], *, besides: int) -> dict[int, str]:
        """Return the open alerts (with their strength) whose link holds any of these signals."""
        found: set[int] = set()
        for signal_id in signals:
            for alert_id in self.holders.get(signal_id, ()):
                if alert_id != besides:
                    link_id = self.alerts[alert_id].link_id
                    found.add(alert_id if link_id is None else link_id)
        taking = set(alert_states.taking_evidence())
        return {
            primary: self.alerts[primary].strength
            for primary in found
            if primary in self.alerts
            and self.alerts[primary].link_id is None
            and self.alerts[primary].status in taking
        }

    def join(self, alert_id: int, primary: int) -> None:
        """Make an alert evidence of another (its ``link_id``)."""
        self.alerts[alert_id].link_id = primary
        self.linked.setdefault(primary, set()).add(alert_id)
        self.joined[alert_id] = primary
        self._signals.pop(primary, None)

    def grade(self, primary: int) -> None:
        """Grade an alert again from its evidence (its own token and those linked to it)."""
        items = [self.alerts[alert_id].evidence for alert_id in self.members(primary)]
        self.alerts[primary].strength = strength(items)
        self.graded.add(primary)

    def write(self, session: Session) -> None:
        """Write the link ids and grades changed in memory: one batched statement each."""
        joined = [{"alert": key, "primary": value} for key, value in sorted(self.joined.items())]
        if joined:
            session.execute(
                update(ALERTS)
                .where(ALERTS.c.id == bindparam("alert"))
                .values(link_id=bindparam("primary")),
                joined,
            )
        graded = [
            {"alert": alert_id, "grade": self.alerts[alert_id].strength}
            for alert_id in sorted(self.graded)
        ]
        if graded:
            session.execute(
                update(ALERTS)
                .where(ALERTS.c.id == bindparam("alert"))
                .values(strength=bindparam("grade")),
                graded,
            )


def _target(state: _Links, alert: _Alert, waiting: set[int]) -> int | None:
    """Return the open alert this one is evidence of, or None when it stands on its own.

    Alerts of this batch not yet taken (``waiting``) are no candidates: a stronger one goes first.
    """
    # only identifying evidence may bring new signals into a link; a name must fit inside one
    own = Evidence(alert.kind, alert.level, len(alert.signals))
    weak = not own.brings_signals
    # and it never lifts a weaker alert: a registered name does not make medium an alert of a
    # bare name that also holds another business's signal; it stands as an alert of its own
    floor = STRENGTHS.index(strength([own]))
    candidates = state.holding(alert.signals, besides=alert.id)
    for later in waiting:
        candidates.pop(later, None)
    # (signals not shared, rank of the alert's strength, signals besides its own, alert id): the
    # alert holding most of this one's signals first, so a number's near tokens join the alert
    # its exact token joined; then the stronger; then the one that fits it most closely
    chosen: list[tuple[int, int, int, int]] = []
    for primary, grade in sorted(candidates.items()):
        held = state.link_signals(primary)
        rank = (len(alert.signals - held), STRENGTHS.index(grade), len(held - alert.signals))
        if weak:
            if alert.signals <= held and (held == alert.signals or rank[1] <= floor):
                chosen.append((*rank, primary))
        elif held & alert.signals and (held <= alert.signals or state.anchored(primary)):
            chosen.append((*rank, primary))
    if not chosen:
        return None
    chosen.sort()
    if weak and len(chosen) > 1 and chosen[0][:3] == chosen[1][:3]:
        # a name that fits two links of one strength equally well joins neither; when it fits
        # one exactly and the other holds more signals too (one link seen whole and in part),
        # it joins the one that holds just its signals
        return None
    return chosen[0][3]


def evidence_of(session: Session, primary: int) -> list[tuple[int, Evidence]]:
    """Return (alert id, evidence) of an alert and of every alert that is evidence of it."""
    rows = session.execute(
        select(ALERTS.c.id, ALERTS.c.kind, ALERTS.c.level, ALERTS.c.signal_count)
        .where(or_(ALERTS.c.id == primary, ALERTS.c.link_id == primary))
        .order_by(ALERTS.c.id)
    ).all()
    held: dict[int, set[int]] = {alert_id: set() for alert_id, *_ in rows}
    holders = session.execute(
        select(ALERTS.c.id, SIGNAL_TOKENS.c.signal_id)
        .join(SIGNAL_TOKENS, SIGNAL_TOKENS.c.token == ALERTS.c.token)
        .where(or_(ALERTS.c.id == primary, ALERTS.c.link_id == primary))
    )
    for alert_id, signal_id in holders:
        held.setdefault(alert_id, set()).add(signal_id)
    return [
        (alert_id, Evidence(kind, level, signals, frozenset(held[alert_id])))
        for alert_id, kind, level, signals in rows
    ]


def alerts_of_tokens(session: Session, tokens: Collection[bytes]) -> set[int]:
    """Return the alerts (the ones coordinators work on) whose link holds any of these tokens."""
    primary = func.coalesce(ALERTS.c.link_id, ALERTS.c.id)
    found: set[int] = set()
    for chunk in chunks(sorted(tokens)):
        found.update(
            session.execute(select(primary).where(among(session, ALERTS.c.token, chunk))).scalars()
        )
    return found


def regrade(session: Session, alert_ids: Iterable[int]) -> None:
    """Grade each alert again from its evidence; count it under its new grade in the list."""
    graded = sorted(set(alert_ids))
    _grade(session, graded)
    status_counts.refresh(session, graded)


def _grade(session: Session, alert_ids: Iterable[int]) -> None:
    """Grade each alert again from its evidence (its own token and those linked to it)."""
    for alert_id in sorted(set(alert_ids)):
        grade = strength(item for _, item in evidence_of(session, alert_id))
        session.execute(update(ALERTS).where(ALERTS.c.id == alert_id).values(strength=grade))


#: the most signals a link chart draws (a hub would otherwise draw hundreds)
MAX_CHART_SIGNALS = 24


@dataclass(frozen=True)
class ChartEdge:
    """Two signals of a link that share a token: its kind and level, near or exact, grade."""

    first: int
    second: int
    kind: str
    level: str
    near: bool
    grade: str


@dataclass(frozen=True)
class LinkGraph:
    """The signals of a link (id and agency id) and the shared tokens between them."""

    signals: list[tuple[int, int]]
    edges: list[ChartEdge]
    truncated: bool


def link_graph(session: Session, primary: int) -> LinkGraph:
    """Return the signals an alert's evidence joins and, per pair, which tokens they share."""
    evidence = dict(evidence_of(session, primary))
    rows = session.execute(
        select(ALERTS.c.id, SIGNAL_TOKENS.c.signal_id, SIGNAL_TOKENS.c.agency_id)
        .join(SIGNAL_TOKENS, SIGNAL_TOKENS.c.token == ALERTS.c.token)
        .where(or_(ALERTS.c.id == primary, ALERTS.c.link_id == primary))
        .order_by(SIGNAL_TOKENS.c.agency_id, SIGNAL_TOKENS.c.signal_id)
    ).all()
    agency_of = {signal_id: agency_id for _, signal_id, agency_id in rows}
    drawn = sorted(agency_of, key=lambda signal_id: (agency_of[signal_id], signal_id))
    shown = set(drawn[:MAX_CHART_SIGNALS])
    holders: dict[int, list[int]] = {}
    for alert_id, signal_id, _ in rows:
        if signal_id in shown:
            holders.setdefault(alert_id, []).append(signal_id)
    exact_pairs = {
        (evidence[alert_id].kind, pair)
        for alert_id, held in holders.items()
        if not evidence[alert_id].near
        for pair in combinations(sorted(held), 2)
    }
    edges: dict[tuple[int, int, str, str], ChartEdge] = {}
    for alert_id, held in holders.items():
        item = evidence[alert_id]
        for first, second in combinations(sorted(held), 2):
            if item.near and (item.kind, (first, second)) in exact_pairs:
                continue  # the same value matched exactly: its near tokens add nothing
            grade = strength([item])
            edges.setdefault(
                (first, second, item.kind, item.level),
                ChartEdge(first, second, item.kind, item.level, item.near, grade),
            )
    return LinkGraph(
        [(signal_id, agency_of[signal_id]) for signal_id in drawn[:MAX_CHART_SIGNALS]],
        sorted(edges.values(), key=lambda edge: (edge.first, edge.second, edge.kind, edge.level)),
        len(drawn) > MAX_CHART_SIGNALS,
    )

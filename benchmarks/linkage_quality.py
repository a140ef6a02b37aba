"""Linkage quality: how many planted cross-agency links the alerts find, and how many they invent.

Builds a seeded world (``linkage_world.py``: six agencies, planted links of every kind, clerical
errors in ``--error-rate`` of the spellings, look-alikes that must not link, skewed frequencies),
prepares each agency's export with the real client (normalizers, ``hmac`` tokens, batches) and
submits it to the real matcher (the Flask app on a temporary SQLite file, through the client's
injectable transport), detecting each batch as it arrives or (``--detection queued``) all of them
together after the last submit, as a worker catching up would. Then it reads the alerts and prints:

* precision and recall per kind and per strength, and for strong + medium together;
* alerts per found link (one alert per real link is the goal);
* a plaintext baseline on the same data: rapidfuzz similarity of the normalized values, which is
  what an agency could do with no privacy at all.

An alert is correct when every signal it joins belongs to one planted link; a link is found when a
correct alert joins signals of it from two or more agencies.

    .venv/bin/python benchmarks/linkage_quality.py                       # 30% errors, seed 1
    .venv/bin/python benchmarks/linkage_quality.py --error-rate 0 --seed 7
    .venv/bin/python benchmarks/linkage_quality.py --links 800 --background 1500
    .venv/bin/python benchmarks/linkage_quality.py --detection queued --no-baseline
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import httpx
from linkage_world import CATEGORIES, KIND_COLUMNS, World, build_world, export_rows
from rapidfuzz import fuzz, process
from sqlalchemy import func, select
from sqlmodel import Session

from client import ColumnMapping, IdentifierColumn, MatcherClient, prepare
from client.errors import NormalizationError
from client.keys import generate_key
from client.normalizers import normalize
from client.wire import Category, Kind
from matcher import create_app, db
from matcher.pepper import Pepper
from matcher.services import detection, federation
from matcher.services.tables import ALERTS, SIGNAL_TOKENS, SIGNALS

STRENGTHS = ("strong", "medium", "weak")


@dataclass(frozen=True)
class FoundAlert:
    """An alert as the benchmark reads it: its kinds, strength and the signals it joins."""

    alert_id: int
    kinds: tuple[str, ...]
    strength: str
    signals: frozenset[tuple[int, str]]  # (agency index, ref)


def _mapping() -> ColumnMapping:
    columns = tuple(
        IdentifierColumn(column=col, kind=Kind(kind)) for kind, col in KIND_COLUMNS.items()
    )
    return ColumnMapping(
        identifiers=columns,
        case_column="zaak",
        dob_column="geboortedatum",
        observed_column="datum",
        category=Category(CATEGORIES[0]),
    )


def _submit_world(
    world: World, directory: Path, *, queued: bool = False
) -> tuple[Session, dict[tuple[int, str], int | None], dict[int, int], Counter[str], int]:
    """Run every agency's export through the client into a fresh matcher; return what it holds."""
    pepper = directory / "pepper.key"
    Pepper.create_file(str(pepper))
    url = f"sqlite:///{directory / 'matcher.sqlite3'}"
    app = create_app(
        {
            "DATABASE_URL": url,
            "PEPPER_FILE": str(pepper),
            "SECRET_KEY": "linkage-benchmark",
            "INSTANCE_PATH": str(directory / "instance"),
            # inline: detection runs in the submit request, batch by batch as they arrive;
            # queued: every batch waits in the queue and one drain detects them together
            "DETECTION": "external" if queued else "inline",
        }
    )
    key = generate_key(epoch=1)
    tokens: dict[int, str] = {}
    agency_ids: dict[int, int] = {}
    with app.app_context():
        db.create_schema(db.engine())
        with Session(db.engine()) as session:
            federation.add_key_epoch(
                session, scheme="hmac", epoch=1, fingerprint=key.fingerprint, actor="benchmark"
            )
            for index, name in enumerate(world.agencies):
                agency = federation.add_agency(
                    session,
                    name=name,
                    kind="municipality",
                    region=f"Regio {index % 3}",
                    actor="benchmark",
                )
                assert agency.id is not None
                agency_ids[agency.id] = index
                _, tokens[index] = federation.create_api_token(
                    session, agency_id=agency.id, actor="benchmark"
                )
            session.commit()
    truth: dict[tuple[int, str], int | None] = {}
    per_kind: Counter[str] = Counter()
    identifiers = 0
    scheme = key.scheme_instance()
    transport = httpx.WSGITransport(app=app)
    for index in range(len(world.agencies)):
        rows = export_rows(world, index)
        batches, report = prepare(
            [(number, cells) for number, cells, _ in rows],
            scheme=scheme,
            mapping=_mapping(),
            workers=1,
            today=dt.date(2026, 10, 2),
        )
        per_kind.update(report.tokens_per_kind)
        identifiers += sum(report.identifiers_per_kind.values())
        by_row = {number: signal for number, _, signal in rows}
        with MatcherClient(
            "http://127.0.0.1", api_token=tokens[index], transport=transport
        ) as client:
            for batch in batches:
                client.submit(batch)
                for origin in batch.origins:
                    truth[(index, origin.ref)] = by_row[origin.row].link
    with app.app_context():
        session = Session(db.engine())
    if queued:
        detection.drain(session)
    return session, truth, agency_ids, per_kind, identifiers


def read_alerts(session: Session, agency_ids: dict[int, int]) -> list[FoundAlert]:
    """Return every alert the coordinator works on, with all signals its evidence joins."""
    columns = set(ALERTS.columns.keys())
    # an older matcher (no grouping, no strength) is read as one alert per token, ungraded
    primary = func.coalesce(ALERTS.c.link_id, ALERTS.c.id) if "link_id" in columns else ALERTS.c.id
    rows = session.execute(
        select(primary, ALERTS.c.kind, SIGNALS.c.agency_id, SIGNALS.c.ref)
        .join(SIGNAL_TOKENS, SIGNAL_TOKENS.c.token == ALERTS.c.token)
        .join(SIGNALS, SIGNALS.c.id == SIGNAL_TOKENS.c.signal_id)
    )
    grades: dict[int, str] = defaultdict(lambda: "n/a")
    if "strength" in columns:
        grades.update(session.execute(select(ALERTS.c.id, ALERTS.c.strength)).tuples().all())
    found: dict[int, tuple[set[str], set[tuple[int, str]]]] = {}
    for alert_id, kind, agency_id, ref in rows:
        kinds, signals = found.setdefault(alert_id, (set(), set()))
        kinds.add(kind)
        signals.add((agency_ids[agency_id], ref))
    return [
        FoundAlert(alert_id, tuple(sorted(kinds)), grades[alert_id], frozenset(signals))
        for alert_id, (kinds, signals) in sorted(found.items())
    ]


def _link_of(
    signals: Iterable[tuple[int, str]], truth: dict[tuple[int, str], int | None]
) -> int | None:
    """Return the planted link all signals belong to (from 2+ agencies), or None."""
    links = {truth.get(signal) for signal in signals}
    if len(links) != 1:
        return None
    (link,) = links
    agencies = {agency for agency, _ in signals}
    return link if link is not None and len(agencies) >= 2 else None


def _line(label: str, correct: int, made: int, found: int, planted: int) -> str:
    precision = f"{100 * correct / made:6.1f}%" if made else "     -"
    recall = f"{100 * found / planted:6.1f}%" if planted else "     -"
    counts = f"({found}/{planted})"
    return f"  {label:<24} alerts {made:6d}  precision {precision}  recall {recall}  {counts}"


def evaluate(
    alerts: list[FoundAlert], world: World, truth: dict[tuple[int, str], int | None]
) -> dict[str, float]:
    """Print precision and recall per kind and per strength; return the headline figures."""
    planted = set(world.link_kinds)
    link_of = {alert.alert_id: _link_of(alert.signals, truth) for alert in alerts}
    print(
        "per kind (an alert counts for every kind of its evidence; recall of links of that kind):"
    )
    for kind in KIND_COLUMNS:
        of_kind = [a for a in alerts if kind in a.kinds]
        correct = [a for a in of_kind if link_of[a.alert_id] is not None]
        links = {link for link in planted if kind in world.link_kinds[link]}
        found = {link_of[a.alert_id] for a in correct} & links
        print(_line(kind, len(correct), len(of_kind), len(found), len(links)))
    print("per strength:")
    figures: dict[str, float] = {}
    for label, grades in (
        *((s, (s,)) for s in STRENGTHS),
        ("strong+medium", ("strong", "medium")),
        ("all", None),
    ):
        chosen = [a for a in alerts if grades is None or a.strength in grades]
        if grades is not None and all(a.strength == "n/a" for a in alerts):
            continue  # an ungraded matcher
        correct = [a for a in chosen if link_of[a.alert_id] is not None]
        found = {link_of[a.alert_id] for a in correct}
        print(_line(label, len(correct), len(chosen), len(found), len(planted)))
        figures[f"{label}_precision"] = len(correct) / len(chosen) if chosen else 1.0
        figures[f"{label}_recall"] = len(found) / len(planted)
        figures[f"{label}_per_link"] = len(correct) / len(found) if found else 0.0
    if all(a.strength == "n/a" for a in alerts):
        print(f"  alerts per found link (all alerts): {figures['all_per_link']:.2f}")
        return figures
    identifying = {link for link in planted if set(world.link_kinds[link]) - {"operator"}}
    strong = {link_of[a.alert_id] for a in alerts if a.strength == "strong"} - {None}
    figures["strong_recall_identifying"] = len(strong & identifying) / len(identifying)
    print(
        "  strong recall of links with identifying evidence (all but operator-only):"
        f" {100 * figures['strong_recall_identifying']:.1f}%"
        f" ({len(strong & identifying)}/{len(identifying)})"
    )
    print(f"  alerts per found link (all alerts): {figures['all_per_link']:.2f}")
    return figures


def _canonical(signal_cells: dict[str, str], kind: str) -> str | None:
    column = KIND_COLUMNS[kind]
    raw = signal_cells.get(column, "")
    if not raw:
        return None
    try:
        if kind == "person":
            return normalize(kind, raw, dob=signal_cells.get("geboortedatum", ""))
        return normalize(kind, raw)
    except NormalizationError:
        return None


#: rapidfuzz similarity (0-100) from which the plaintext baseline links two values of a kind
BASELINE_CUTOFF = {
    "phone": 90.0,
    "email": 95.0,
    "address": 90.0,
    "operator": 88.0,
    "person": 90.0,
    "iban": 100.0,
    "kvk": 100.0,
    "plate": 100.0,
}


def baseline(world: World) -> None:
    """Link signals of different agencies whose normalized values are similar; print figures."""
    predicted: set[tuple[int, int]] = set()
    for kind, cutoff in BASELINE_CUTOFF.items():
        values: list[str] = []
        owners: list[int] = []
        for index, signal in enumerate(world.signals):
            value = _canonical(signal.cells, kind)
            if value is not None:
                values.append(value)
                owners.append(index)
        pairs: list[tuple[int, int]] = []
        for i, value in enumerate(values):
            for _, _, j in process.extract(
                value, values, scorer=fuzz.ratio, score_cutoff=cutoff, limit=None
            ):
                pairs.append((i, j))
        for i, j in pairs:
            a, b = owners[i], owners[j]
            if a < b and world.signals[a].agency != world.signals[b].agency:
                if (
                    kind == "person"
                    and values[i].rpartition("|")[2] != values[j].rpartition("|")[2]
                ):
                    continue  # the same name with another date of birth is another person
                predicted.add((a, b))
    correct = {
        pair
        for pair in predicted
        if world.signals[pair[0]].link is not None
        and world.signals[pair[0]].link == world.signals[pair[1]].link
    }
    found = {world.signals[a].link for a, _ in correct}
    planted = len(world.link_kinds)
    precision = len(correct) / len(predicted) if predicted else 1.0
    print("plaintext baseline (rapidfuzz ratio on normalized values, per signal pair):")
    print(
        f"  pairs {len(predicted)}  precision {100 * precision:.1f}%"
        f"  recall {100 * len(found) / planted:.1f}% ({len(found)}/{planted})"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--agencies", type=int, default=6)
    parser.add_argument("--links", type=int, default=400)
    parser.add_argument("--background", type=int, default=600, help="background signals per agency")
    parser.add_argument("--error-rate", type=float, default=0.3)
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument(
        "--detection",
        choices=("inline", "queued"),
        default="inline",
        help="detect each batch as it arrives, or all batches together after the last submit",
    )
    args = parser.parse_args(argv)
    world = build_world(
        seed=args.seed,
        agencies=args.agencies,
        links=args.links,
        background=args.background,
        error_rate=args.error_rate,
    )
    errors = Counter(error for signal in world.signals for error in signal.errors)
    print(
        f"world: seed {args.seed}, {args.agencies} agencies, {len(world.signals)} signals,"
        f" {len(world.link_kinds)} planted links,"
        f" errors in {100 * args.error_rate:.0f}% of spellings"
    )
    print(
        "  errors planted: "
        + ", ".join(f"{name} {count}" for name, count in sorted(errors.items()))
    )
    with tempfile.TemporaryDirectory(prefix="kp-linkage-") as directory:
        started = time.perf_counter()
        session, truth, agency_ids, per_kind, identifiers = _submit_world(
            world, Path(directory), queued=args.detection == "queued"
        )
        elapsed = time.perf_counter() - started
        with session:
            alerts = read_alerts(session, agency_ids)
        tokens = sum(per_kind.values())
        print(
            f"client + matcher: {elapsed:.1f} s; {identifiers} identifiers -> {tokens} tokens"
            f" ({tokens / max(identifiers, 1):.2f} per identifier)"
        )
        print("  tokens per kind: " + ", ".join(f"{k} {v}" for k, v in sorted(per_kind.items())))
        evaluate(alerts, world, truth)
    if not args.no_baseline:
        baseline(world)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

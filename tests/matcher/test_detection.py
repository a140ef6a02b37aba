"""Overlap detection from the durable queue: after the receipt, nothing lost, nothing twice."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from datapath_support import (
    World,
    assert_consistent,
    batch,
    name,
    open_world,
    phone,
    postgres_database,
    raw_token,
    shown,
    signal,
)
from sqlalchemy import Engine, event, func, select
from sqlmodel import Session

from client import wire
from matcher import create_app
from matcher.detection_worker import AGENCY_ENDPOINTS, AgencyRequests
from matcher.models import Alert, AlertAgency, AuditEntry, SignalToken
from matcher.services import detection, ingest, links


def _store(world: World, agency: int, sent: wire.Batch) -> wire.Receipt:
    """Submit and commit, as the API does, without working the queue off."""
    with Session(world.engine) as session:
        receipt = ingest.submit_batch(session, agency_id=agency, batch=sent, pepper=world.pepper)
        session.commit()
        return receipt


def _pending(world: World) -> int:
    with Session(world.engine) as session:
        return detection.pending(session)


def _drain(world: World) -> list[detection.Detected]:
    with Session(world.engine) as session:
        return detection.drain(session)


def test_a_receipt_comes_before_detection_and_detection_runs_once(world: World) -> None:
    utrecht, police = world.agency("Gemeente Utrecht"), world.agency("Politie Midden")
    shared = raw_token()
    _store(world, utrecht, batch(signal(phone(shared))))
    sent = batch(signal(phone(shared)))
    _store(world, police, sent)
    _store(world, police, sent)  # a replay queues nothing more
    assert (_pending(world), world.alerts()) == (2, [])
    done = _drain(world)
    # both queued jobs are worked off in one run, which makes the one alert once
    assert len(done) == 2
    assert {(item.changes.created, item.changes.updated) for item in done} == {(1, 0)}
    assert _pending(world) == 0
    assert _drain(world) == []
    [alert] = world.alerts()
    assert (alert.agency_count, alert.signal_count) == (2, 2)
    assert_consistent(world.engine)


def test_a_job_that_fails_midway_stays_queued_and_changes_nothing(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    utrecht, police = world.agency("Gemeente Utrecht"), world.agency("Politie Midden")
    shared = raw_token()
    world.submit(utrecht, batch(signal(phone(shared))))
    _store(world, police, batch(signal(phone(shared))))

    def crash(*_args: Any) -> None:
        raise RuntimeError("worker killed")

    monkeypatch.setattr(links, "link_new_alerts", crash)
    with pytest.raises(RuntimeError), Session(world.engine) as session:
        detection.drain(session)
    assert (_pending(world), world.alerts()) == (1, [])
    monkeypatch.undo()
    assert len(_drain(world)) == 1
    [alert] = world.alerts()
    assert world.alert_agencies(alert.id) == {utrecht: 1, police: 1}
    assert world.count(AlertAgency) == 2
    assert_consistent(world.engine)


def mailbox(raw: bytes) -> tuple[str, str, bytes]:
    return ("email", "mailbox", raw)


def _linked_pairs(world: World, pairs: int) -> tuple[int, int]:
    """Two agencies submit pairs of signals sharing a phone, an e-mail and a name each."""
    first, second = world.agency("Gemeente Utrecht"), world.agency("Politie Midden")
    shared = [(phone(raw_token()), mailbox(raw_token()), name(raw_token())) for _ in range(pairs)]
    world.submit(first, batch(*(signal(*tokens) for tokens in shared)))
    _store(world, second, batch(*(signal(*tokens) for tokens in shared)))
    return first, second


def _detections_recorded(world: World) -> int:
    with Session(world.engine) as session:
        statement = select(func.count()).where(AuditEntry.action == "batch.detect")  # type: ignore[arg-type]
        return int(session.execute(statement).scalar_one())


def test_a_run_in_steps_makes_the_alerts_of_one_run_a_signal_at_a_time(world: World) -> None:
    _linked_pairs(world, 5)
    before = _detections_recorded(world)
    commits = [0]
    with Session(world.engine) as session:
        event.listen(session, "after_commit", lambda _: commits.__setitem__(0, commits[0] + 1))
        [done] = detection.run_in_steps(session, size=1)
    # a signal's three tokens stay in one step although a step holds one: five steps, the claim
    assert commits[0] == 1 + 5
    assert done.changes.created == 15
    listed = shown(world)
    assert len(listed) == 5  # each pair one alert: the phone, its e-mail and name as evidence
    assert {item.strength for item in listed} == {"strong"}
    assert _pending(world) == 0
    assert _detections_recorded(world) == before + 1
    assert_consistent(world.engine)


def test_a_run_stopped_between_steps_is_finished_by_the_next_and_recorded_once(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    _linked_pairs(world, 3)
    before = _detections_recorded(world)
    original, calls = links.link_new_alerts, [0]

    def crash_in_the_second_step(session: Session, alert_ids: Any) -> set[int]:
        calls[0] += 1
        if calls[0] == 2:
            raise RuntimeError("worker killed")
        return original(session, alert_ids)

    monkeypatch.setattr(links, "link_new_alerts", crash_in_the_second_step)
    with pytest.raises(RuntimeError), Session(world.engine) as session:
        detection.run_in_steps(session, size=1)
    assert _pending(world) == 1
    assert len(world.alerts()) == 3  # the first step's alerts stay, linked
    monkeypatch.undo()
    assert len(_drain(world)) == 1
    assert len(world.alerts()) == 9
    assert len(shown(world)) == 3
    assert _detections_recorded(world) == before + 1
    assert_consistent(world.engine)


class _RequestAt:
    """Agencies whose one request arrives before a given statement of detection, served at once."""

    def __init__(self, statement: int) -> None:
        self.statement = statement
        self.asked = 0
        self.gave_way = 0

    def in_flight(self) -> bool:
        self.asked += 1
        return self.asked == self.statement

    def give_way(self) -> bool:
        self.gave_way += 1
        return True


def test_a_step_stops_for_an_agency_request_rolls_back_and_runs_again(world: World) -> None:
    _linked_pairs(world, 3)
    before = _detections_recorded(world)
    requests = _RequestAt(statement=12)  # within the first step that makes alerts
    with Session(world.engine) as session:
        [done] = detection.run_in_steps(session, size=1, agencies=requests)
    assert requests.gave_way == 1 + 3 + 1  # the claim, three steps, the one run again
    assert done.changes.created == 9  # the step run again counts its alerts once
    assert len(shown(world)) == 3
    assert _detections_recorded(world) == before + 1
    assert_consistent(world.engine)


def test_a_step_stopped_again_and_again_runs_to_its_end(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    _linked_pairs(world, 1)

    class Busy(_RequestAt):
        def in_flight(self) -> bool:
            return True  # a stream of requests with no gap

    monkeypatch.setattr(detection, "STEP_INTERRUPTIONS", 3)
    requests = Busy(statement=0)
    with Session(world.engine) as session:
        [done] = detection.run_in_steps(session, agencies=requests)
    assert requests.gave_way == 3 + 3  # each of the two steps stopped three times, then finished
    assert done.changes.created == 3
    assert _pending(world) == 0


def test_a_job_another_worker_finished_between_two_steps_is_recorded_once(world: World) -> None:
    _linked_pairs(world, 3)
    before = _detections_recorded(world)

    class OtherWorkerBetweenSteps(_RequestAt):
        """Between this run's first and second step, another worker runs the queue off whole."""

        def __init__(self) -> None:
            super().__init__(statement=0)
            self.other: list[detection.Detected] = []

        def give_way(self) -> bool:
            self.gave_way += 1
            if self.gave_way == 3:
                self.other = _drain(world)
            return True

    requests = OtherWorkerBetweenSteps()
    with Session(world.engine) as session:
        mine = detection.run_in_steps(session, size=1, agencies=requests)
    assert len(requests.other) == 1  # the other worker took the job and recorded it
    assert mine == []  # this run made no alert twice and records nothing of the job
    assert len(world.alerts()) == 9
    assert len(shown(world)) == 3
    assert _detections_recorded(world) == before + 1
    assert _pending(world) == 0
    assert_consistent(world.engine)


def test_a_step_goes_on_when_requests_leave_no_gap(world: World) -> None:
    _linked_pairs(world, 1)

    class NoGap(_RequestAt):
        def in_flight(self) -> bool:
            return True

        def give_way(self) -> bool:
            self.gave_way += 1
            return False  # still a request in flight when the wait ran out

    requests = NoGap(statement=0)
    with Session(world.engine) as session:
        [done] = detection.run_in_steps(session, agencies=requests)
    assert requests.gave_way == 2  # once before each step, which then ran uninterrupted
    assert done.changes.created == 3


def test_a_batch_withdrawn_before_detection_raises_nothing(world: World) -> None:
    utrecht, police = world.agency("Gemeente Utrecht"), world.agency("Politie Midden")
    shared = raw_token()
    world.submit(utrecht, batch(signal(phone(shared))))
    sent = batch(signal(phone(shared)))
    _store(world, police, sent)
    world.withdraw(police, [sent.signals[0].ref])
    assert len(_drain(world)) == 1
    assert world.alerts() == []
    assert_consistent(world.engine)


def test_a_run_takes_queued_jobs_up_to_its_token_budget(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    utrecht, police = world.agency("Gemeente Utrecht"), world.agency("Politie Midden")
    shared = [raw_token() for _ in range(3)]
    _store(world, utrecht, batch(*(signal(phone(raw)) for raw in shared)))
    for raw in shared:
        _store(world, police, batch(signal(phone(raw))))
    monkeypatch.setattr(detection, "RUN_TOKENS", 2)  # the first batch alone holds three
    with Session(world.engine) as session:
        assert len(detection.run_next(session)) == 1  # more than the budget: alone
        session.commit()
        assert len(detection.run_next(session)) == 2  # two one-token batches fit
        session.commit()
        assert len(detection.run_next(session)) == 1
        session.commit()
        assert detection.run_next(session) == []
    assert len(world.alerts()) == 3
    assert all(alert.agency_count == 2 for alert in world.alerts())
    assert_consistent(world.engine)


@pytest.mark.postgres
def test_two_workers_skip_each_others_claimed_jobs(tmp_path: Path) -> None:
    with postgres_database() as url, open_world("postgres", tmp_path, url) as world:
        utrecht = world.agency("Gemeente Utrecht")
        for _ in range(2):
            _store(world, utrecht, batch(signal(phone(raw_token()))))
        with Session(world.engine) as first, Session(world.engine) as second:
            assert len(detection.claim(first)) == 2  # both queued jobs, locked until it ends
            assert detection.claim(second) == []  # does not wait for the first's claim
            later = _store(world, utrecht, batch(signal(phone(raw_token()))))
            [other] = detection.claim(second)  # a job queued since is free to take
            assert other.batch_id == str(later.batch_id)
            first.rollback()
            second.rollback()
        assert _pending(world) == 3
        assert len(_drain(world)) == 3
        assert _pending(world) == 0
        assert world.count(SignalToken) == 3


@pytest.fixture
def threaded_app(
    clean_db: Engine, database_url: str, pepper_file: Path, tmp_path: Path
) -> Iterator[Any]:
    """The app with its default in-process detection thread."""
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": database_url,
            "PEPPER_FILE": str(pepper_file),
            "SECRET_KEY": "test-secret-key",
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "DETECTION": "thread",
        }
    )
    yield app
    worker = app.extensions.get("matcher.detection_thread")
    if worker is not None:
        worker.stop()
    app.extensions["matcher.engine"].dispose()


@pytest.fixture
def send_one_shared_phone(
    make_agency: Callable[..., Any],
    make_api_token: Callable[..., str],
    make_epoch: Callable[..., Any],
) -> Callable[[Any], None]:
    """Return a function: two agencies each submit a signal with one phone number to an app."""

    def send(app: Any) -> None:
        fingerprint = make_epoch().fingerprint
        tokens = [make_api_token(make_agency(name)) for name in ("Gemeente Utrecht", "Politie")]
        shared = raw_token()
        for token in tokens:
            sent = batch(signal(phone(shared)), fingerprint=fingerprint)
            response = app.test_client().post(
                "/api/v1/batches",
                data=sent.model_dump_json(),
                content_type="application/json",
                headers={"Authorization": f"Bearer {token}"},
            )
            assert response.status_code == 201

    return send


def test_the_app_finds_overlaps_in_its_own_thread(
    threaded_app: Any,
    db_session: Session,
    send_one_shared_phone: Callable[[Any], None],
) -> None:
    send_one_shared_phone(threaded_app)
    deadline = time.monotonic() + 30
    count = 0
    while time.monotonic() < deadline:
        count = db_session.execute(select(func.count()).select_from(Alert)).scalar_one()
        pending = detection.pending(db_session)
        db_session.rollback()
        if count and not pending:
            break
        time.sleep(0.05)
    assert count == 1


def test_the_thread_waits_while_an_agency_request_is_in_flight(
    threaded_app: Any,
    db_session: Session,
    send_one_shared_phone: Callable[[Any], None],
) -> None:
    requests: AgencyRequests = threaded_app.extensions["matcher.agency_requests"]
    assert set(threaded_app.view_functions) >= AGENCY_ENDPOINTS  # what counts as in flight
    requests.enter()  # a request of a third agency, still being served
    send_one_shared_phone(threaded_app)
    time.sleep(0.5)  # the thread, woken by both submits, waits (for up to two seconds)
    assert detection.pending(db_session) == 2
    db_session.rollback()
    assert requests.in_flight()
    requests.leave()
    assert not requests.in_flight()  # the submits counted themselves in and out
    deadline = time.monotonic() + 30
    while detection.pending(db_session) and time.monotonic() < deadline:
        db_session.rollback()
        time.sleep(0.05)
    db_session.rollback()
    assert db_session.execute(select(func.count()).select_from(Alert)).scalar_one() == 1


def test_the_worker_command_works_the_queue_off(
    app: Any,
    runner: Any,
    db_session: Session,
    send_one_shared_phone: Callable[[Any], None],
) -> None:
    app.config["DETECTION"] = "external"
    send_one_shared_phone(app)
    assert detection.pending(db_session) == 2
    db_session.rollback()
    result = runner.invoke(args=["worker", "--once"])
    assert result.exit_code == 0, result.output
    assert "Detected overlaps of 2 batches." in result.output
    assert db_session.execute(select(func.count()).select_from(Alert)).scalar_one() == 1


def test_the_alert_list_says_detection_is_pending_until_the_worker_ran(
    app: Any,
    runner: Any,
    send_one_shared_phone: Callable[[Any], None],
    make_user: Callable[..., Any],
) -> None:
    from tests.dashboard.conftest import Dashboard

    app.config["DETECTION"] = "external"
    send_one_shared_phone(app)
    client = app.test_client()
    Dashboard(client).sign_in_as(make_user("beheer", "admin"))
    waiting = client.get("/alerts").get_data(as_text=True)
    assert "Detectie loopt: 2 ingediende batches" in waiting
    assert runner.invoke(args=["worker", "--once"]).exit_code == 0
    done = client.get("/alerts").get_data(as_text=True)
    assert "Detectie loopt" not in done

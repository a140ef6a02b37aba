"""A status declared in one spec is honoured by the workflow, the pages and the API."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlmodel import Session

from client.kinds import Text
from matcher import alert_states
from matcher.alert_states import StateSpec
from matcher.models import Alert
from matcher.services import status_counts
from tests.dashboard.conftest import Dashboard, World

ON_HOLD = StateSpec(
    name="on_hold",
    label=Text("On hold", "In de wacht"),
    actions=frozenset({"assign", "expire"}),
    open=True,
    releasable=False,
    hub_markable=False,
    victim_flaggable=False,
)


@pytest.fixture
def on_hold(world: World, db_session: Session) -> Iterator[Alert]:
    with alert_states.registered(ON_HOLD):
        alert = db_session.get(Alert, world.alert.id)
        assert alert is not None
        alert.status = "on_hold"
        db_session.add(alert)
        status_counts.refresh(db_session, [alert.id or 0])  # as a workflow step would
        db_session.commit()
        yield alert
    assert alert_states.spec("on_hold") is None


def _page(dashboard: Dashboard, user: Any, alert: Alert, language: str) -> str:
    dashboard.sign_in_as(user)
    with dashboard.client.session_transaction() as session:
        session["language"] = language
    return dashboard.get(f"/alerts/{alert.id}").get_data(as_text=True)


def test_the_workflow_offers_only_the_actions_the_status_declares(
    on_hold: Alert, world: World, dashboard: Dashboard, db_session: Session
) -> None:
    page = _page(dashboard, world.coordinator, on_hold, "en")
    dismissed = dashboard.post(f"/alerts/{on_hold.id}/actions", {"action": "dismiss"})
    assigned = dashboard.post(f"/alerts/{on_hold.id}/actions", {"action": "assign"})
    db_session.expire_all()

    assert 'value="assign"' in page
    assert 'value="dismiss"' not in page
    assert dismissed.status_code == 409
    assert assigned.status_code == 303
    assert db_session.get(Alert, on_hold.id).status == "triage"  # type: ignore[union-attr]


def test_the_page_names_the_status_and_hides_what_it_does_not_allow(
    on_hold: Alert, world: World, dashboard: Dashboard
) -> None:
    dutch = _page(dashboard, world.coordinator, on_hold, "nl")
    english = _page(dashboard, world.coordinator, on_hold, "en")

    assert "In de wacht" in dutch
    assert "On hold" in english
    assert "/possible-victim" not in english
    assert "/benign-hub" not in english


def test_the_api_refuses_to_release_and_filters_by_the_status(
    on_hold: Alert, world: World, client: Any, make_user_token: Any
) -> None:
    headers = {"Authorization": f"Bearer {make_user_token(world.coordinator)}"}
    listed = client.get("/api/v1/coordinator/alerts?status=on_hold", headers=headers)
    released = client.post(f"/api/v1/coordinator/alerts/{on_hold.id}/release", headers=headers)

    assert [item["id"] for item in listed.get_json()["alerts"]] == [on_hold.id]
    assert released.status_code == 409
    assert released.get_json()["error"]["code"] == "not_releasable"


def test_a_built_in_status_keeps_its_flags() -> None:
    assert alert_states.sources("close") == {"handed_over", "dismissed", "no_action"}
    assert not alert_states.is_releasable("embargoed")
    assert alert_states.is_hub_markable("new")
    assert not alert_states.is_victim_flaggable("closed")
    with pytest.raises(ValueError):
        alert_states.unregister("new")

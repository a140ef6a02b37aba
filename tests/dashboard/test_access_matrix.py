"""Every dashboard route for every role: the server decides, whatever the page offers.

Anonymous visitors are sent to sign-in (302), a wrong role gets 403, an alert outside the
user's scope 404 (its existence is not revealed). A 409 means the user was allowed through
and the workflow refused the step itself.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import Session

from matcher.services import actors, alerts, workflow
from tests.conftest import record_approvals
from tests.dashboard.conftest import Dashboard, World

ROLES = (
    "anonymous",
    "coordinator_in",
    "coordinator_out",
    "analyst_involved",
    "analyst_other",
    "admin",
    "auditor",
)


def statuses(*codes: int) -> dict[str, int]:
    return dict(zip(ROLES, codes, strict=True))


COORDINATOR_PAGE = statuses(302, 200, 200, 403, 403, 200, 403)
COORDINATOR_ALERT = statuses(302, 200, 404, 403, 403, 200, 403)
COORDINATOR_WRITE = statuses(302, 303, 404, 403, 403, 403, 403)
ANALYST_PAGE = statuses(302, 403, 403, 200, 200, 403, 403)
ANALYST_ALERT = statuses(302, 403, 403, 200, 404, 403, 403)
ANY_SIGNED_IN = statuses(302, 200, 200, 200, 200, 200, 200)
ADMIN_WRITE = statuses(302, 403, 403, 403, 403, 303, 403)

#: (method, path with {new}/{released}/{requested}/{user}/{ref}, form, expected per role)
MATRIX: list[tuple[str, str, dict[str, str], dict[str, int]]] = [
    ("GET", "/", {}, statuses(302, 302, 302, 302, 302, 302, 302)),
    ("GET", "/sign-in", {}, statuses(200, 200, 200, 200, 200, 200, 200)),
    ("GET", "/sign-in/code", {}, statuses(303, 303, 303, 303, 303, 303, 303)),
    ("POST", "/sign-out", {}, statuses(303, 303, 303, 303, 303, 303, 303)),
    ("POST", "/language", {"language": "en"}, statuses(303, 303, 303, 303, 303, 303, 303)),
    ("GET", "/account", {}, ANY_SIGNED_IN),
    ("GET", "/account/totp", {}, ANY_SIGNED_IN),
    ("GET", "/alerts", {}, COORDINATOR_PAGE),
    ("GET", "/alerts?status=new&sort=strength", {}, COORDINATOR_PAGE),
    ("GET", "/alerts/{new}", {}, COORDINATOR_ALERT),
    ("GET", "/alerts/{released}", {}, COORDINATOR_ALERT),
    ("POST", "/alerts/{new}/actions", {"action": "assign"}, COORDINATOR_WRITE),
    (
        "POST",
        "/alerts/{released}/actions",
        {"action": "propose_case", "case_route": "riec"},
        COORDINATOR_WRITE,
    ),
    (
        "POST",
        "/alerts/{new}/actions",
        {"action": "expire"},
        statuses(302, 403, 404, 403, 403, 303, 403),
    ),
    ("POST", "/alerts/{new}/notes", {"note": "Besproken in het RIEC-overleg."}, COORDINATOR_WRITE),
    ("POST", "/alerts/{new}/possible-victim", {"flag": "1"}, COORDINATOR_WRITE),
    ("POST", "/alerts/{new}/benign-hub", {"reason": "Centrale van een hotel"}, COORDINATOR_WRITE),
    (
        "POST",
        "/alerts/{new}/benign-hub/remove",
        {},
        statuses(302, 409, 404, 403, 403, 403, 403),
    ),
    ("GET", "/hubs", {}, COORDINATOR_PAGE),
    ("GET", "/my/alerts", {}, ANALYST_PAGE),
    ("GET", "/my/alerts/{released}", {}, ANALYST_ALERT),
    ("GET", "/my/alerts/{requested}", {}, ANALYST_ALERT),
    ("GET", "/my/alerts/{new}", {}, statuses(302, 403, 403, 404, 404, 403, 403)),
    (
        "POST",
        "/my/alerts/{requested}/decision",
        {"decision": "approve", "legal_basis": "riec_covenant"},
        statuses(302, 403, 403, 303, 404, 403, 403),
    ),
    (
        "POST",
        "/my/alerts/{released}/embargo",
        {"action": "embargo"},
        statuses(302, 403, 403, 403, 404, 403, 403),
    ),
    ("GET", "/my/signals", {}, ANALYST_PAGE),
    ("GET", "/my/batches", {}, ANALYST_PAGE),
    ("POST", "/my/signals/withdraw", {"ref": "{ref}"}, statuses(302, 403, 403, 303, 303, 403, 403)),
    ("GET", "/audit", {}, statuses(302, 403, 403, 403, 403, 403, 200)),
    ("GET", "/admin/users", {}, statuses(302, 403, 403, 403, 403, 200, 403)),
    ("GET", "/admin/submissions", {}, statuses(302, 403, 403, 403, 403, 200, 403)),
    ("POST", "/admin/users/{user}/unlock", {}, ADMIN_WRITE),
    ("POST", "/admin/users/{user}/reset-totp", {}, ADMIN_WRITE),
]


class MatrixWorld:
    """The shared world plus a released alert and one awaiting disclosure answers."""

    def __init__(self, world: World, db_session: Session) -> None:
        self.world = world
        coordinator = actors.actor_for(db_session, world.coordinator)
        self.released = world.make_alert(
            world.make_signal(world.utrecht), world.make_signal(world.amsterdam)
        )
        record_approvals(db_session, self.released.id)
        alerts.release_alert(db_session, alert_id=self.released.id, actor=coordinator.name)
        self.requested = world.make_alert(
            world.make_signal(world.utrecht),
            world.make_signal(world.amsterdam),
            kind="email",
            level="mailbox",
        )
        for action in (workflow.Action.ASSIGN, workflow.Action.REQUEST_DISCLOSURE):
            workflow.apply(db_session, alert_id=self.requested.id, action=action, actor=coordinator)
        db_session.commit()

    def fill(self, text: str) -> str:
        return text.format(
            new=self.world.alert.id,
            released=self.released.id,
            requested=self.requested.id,
            user=self.world.analyst.id,
            ref=self.world.utrecht_signal.ref,
        )


@pytest.fixture
def matrix_world(world: World, db_session: Session) -> MatrixWorld:
    return MatrixWorld(world, db_session)


@pytest.mark.parametrize(
    ("method", "path", "form", "expected"),
    MATRIX,
    ids=[f"{method} {path}" for method, path, _, _ in MATRIX],
)
def test_every_route_answers_each_role_as_the_matrix_says(
    dashboard: Dashboard,
    matrix_world: MatrixWorld,
    method: str,
    path: str,
    form: dict[str, str],
    expected: dict[str, int],
) -> None:
    url = matrix_world.fill(path)
    answered: dict[str, int] = {}
    for role in ROLES:  # in this order: refusals never depend on an earlier role's success
        dashboard.sign_in_as(matrix_world.world.role(role))
        if method == "GET":
            response = dashboard.get(url)
        else:
            filled = {key: matrix_world.fill(value) for key, value in form.items()}
            response = dashboard.post(url, filled)
        answered[role] = response.status_code
        if response.status_code == 302 and role == "anonymous" and url != "/":
            assert response.headers["Location"].startswith("/sign-in")

    assert answered == expected


def test_the_matrix_covers_every_dashboard_route(app: Any) -> None:
    covered = {path.split("?")[0] for _, path, _, _ in MATRIX}
    rules = {
        rule.rule.replace("<id:alert_id>", "{x}").replace("<id:user_id>", "{x}")
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("dashboard.")
    }
    normalized = {
        path.replace("{new}", "{x}")
        .replace("{released}", "{x}")
        .replace("{requested}", "{x}")
        .replace("{user}", "{x}")
        for path in covered
    }

    assert rules <= normalized, f"routes missing from the matrix: {sorted(rules - normalized)}"

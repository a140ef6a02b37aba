"""Set up the demonstration federation on a fresh matcher: agencies, tokens, users, a key epoch;
and take an alert through disclosure the way its users would.

Uses the same services as the admin CLI and the dashboard, so the demonstration exercises the
real code paths, approvals included.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import Flask
from sqlmodel import Session

from matcher import db
from matcher.demo.exports import AGENCIES
from matcher.models import Agency, AgencyKind
from matcher.services import actors, disclosure, federation, users, workflow

DEMO_PASSWORD = "kruispunt-demo-2026"  # noqa: S105  (printed for the demonstration's users)
ACTOR = "demo"


@dataclass
class Credentials:
    """What the demonstration hands out: API tokens per agency and dashboard users."""

    agency_tokens: dict[str, str] = field(default_factory=dict)
    coordinator_token: str = ""
    users: list[tuple[str, str, str]] = field(default_factory=list)  # (username, role, scope)


def _analyst_name(agency_name: str) -> str:
    return "analist." + agency_name.split()[-1].lower()


def create_federation(app: Flask, *, scheme: str, epoch: int, fingerprint: str) -> Credentials:
    """Register the demonstration's agencies, users and key epoch; return their credentials."""
    credentials = Credentials()
    with app.app_context(), Session(db.engine()) as session:
        federation.add_key_epoch(
            session, scheme=scheme, epoch=epoch, fingerprint=fingerprint, actor=ACTOR
        )
        for spec in AGENCIES:
            agency = federation.add_agency(
                session,
                name=spec.name,
                kind=spec.kind,
                region=spec.region,
                contact_point=spec.contact_point,
                actor=ACTOR,
            )
            assert agency.id is not None
            _, token = federation.create_api_token(session, agency_id=agency.id, actor=ACTOR)
            credentials.agency_tokens[spec.name] = token
            username = _analyst_name(spec.name)
            users.create_user(
                session,
                username=username,
                password=DEMO_PASSWORD,
                role="analyst",
                agency_id=agency.id,
                actor=ACTOR,
            )
            credentials.users.append((username, "analyst", spec.name))
        regions = sorted({spec.region for spec in AGENCIES})
        coordinator = users.create_user(
            session,
            username="coordinator",
            password=DEMO_PASSWORD,
            role="coordinator",
            regions=regions,
            actor=ACTOR,
        )
        credentials.users.insert(0, ("coordinator", "coordinator", ", ".join(regions)))
        _, credentials.coordinator_token = federation.create_api_token(
            session, user_id=coordinator.id, scopes=federation.COORDINATOR_SCOPES, actor=ACTOR
        )
        for username, role in (("auditor", "auditor"), ("admin", "admin")):
            users.create_user(
                session, username=username, password=DEMO_PASSWORD, role=role, actor=ACTOR
            )
            credentials.users.append((username, role, "federation"))
        session.commit()
    return credentials


def _legal_basis(agency: Agency) -> str:
    return "wpg_art_18" if agency.kind == AgencyKind.POLICE else "riec_covenant"


def disclose(app: Flask, alert_id: int) -> list[str]:
    """Release an alert through the workflow: the coordinator triages and asks for disclosure,
    each involved agency's analyst approves with a legal basis; the last approval releases it.
    Return one line per step, for the demonstration's output."""
    steps: list[str] = []
    with app.app_context(), Session(db.engine()) as session:
        coordinator = actors.actor_for(session, users.get_user(session, "coordinator"))
        for action in (workflow.Action.ASSIGN, workflow.Action.REQUEST_DISCLOSURE):
            workflow.apply(session, alert_id=alert_id, action=action, actor=coordinator)
            steps.append(f"coordinator: {action.value}")
        session.commit()
        for decision in disclosure.decisions(session, alert_id):
            agency = session.get(Agency, decision.agency_id)
            assert agency is not None
            analyst = users.get_user(session, _analyst_name(agency.name))
            basis = _legal_basis(agency)
            disclosure.decide(
                session,
                alert_id=alert_id,
                actor=actors.actor_for(session, analyst),
                approve=True,
                legal_basis=basis,
            )
            session.commit()
            steps.append(f"{analyst.username}: approve ({disclosure.LEGAL_BASES[basis]})")
    return steps

"""Agency endpoints: submit batches, withdraw signals, read the alerts released to the agency."""

from __future__ import annotations

from flask import Response, jsonify

from client import wire
from client.collector import no_cyclic_gc
from matcher import audit, config, db, detection_worker
from matcher.api.bodies import model_response, parse
from matcher.auth import agency_required, current_caller
from matcher.errors import RateLimited
from matcher.services import alerts, ingest, retention, submission_limits


@agency_required("submit")
def submit_batch() -> tuple[Response, int]:
    """Store a batch of tokens; a replay of the same batch_id returns the first receipt."""
    with no_cyclic_gc():  # a batch is some 100,000 small objects, no cycles (client.collector)
        batch = parse(wire.Batch, code="invalid_batch")
    session = db.session()
    agency_id = current_caller().agency_id
    try:
        receipt = ingest.submit_batch(
            session,
            agency_id=agency_id,
            batch=batch,
            pepper=config.pepper(),
            policy=config.submission_policy(),
        )
    except RateLimited as refused:
        session.rollback()
        submission_limits.record_refusal(session, agency_id=agency_id, error=refused)
        session.commit()
        raise
    session.commit()
    if not receipt.replay:
        detection_worker.after_submit(session)
    return model_response(receipt, 200 if receipt.replay else 201)


@agency_required("withdraw")
def withdraw() -> tuple[Response, int]:
    """Delete the agency's own signals by reference; others' references count as unknown."""
    withdrawal = parse(wire.Withdrawal, code="invalid_withdrawal")
    session = db.session()
    receipt = retention.withdraw(
        session, agency_id=current_caller().agency_id, refs=list(withdrawal.refs)
    )
    session.commit()
    return model_response(receipt)


@agency_required("alerts")
def released_alerts() -> Response:
    """List the alerts a coordinator released to this agency (own refs, others' contacts)."""
    caller = current_caller()
    session = db.session()
    released = alerts.released_alerts_for_agency(session, agency_id=caller.agency_id)
    audit.record(
        session,
        actor=caller.actor,
        action="alert.read",
        subject="released",
        details={"alerts": len(released), "alert_ids": [item.alert_id for item in released]},
    )
    session.commit()
    return jsonify({"alerts": [item.model_dump(mode="json") for item in released]})

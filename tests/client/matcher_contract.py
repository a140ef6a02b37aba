"""An in-memory matcher that answers as the API contract says, for the client's own tests.

It validates with the same wire models the real matcher uses, keeps every request it saw (so
privacy tests can search the bytes that left the client), and can be told to fail the next
requests with a status or a dropped connection. The end-to-end test against the real Flask app
lives elsewhere; this double lets the client's tests pin the contract without a database.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from uuid import UUID

import httpx
from pydantic import ValidationError

from client import wire

PREFIX = "/api/v1"


def error(status: int, code: str, message: str, **extra: object) -> httpx.Response:
    body = wire.ErrorBody(error=wire.ErrorBody.Detail(code=code, message=message, **extra))
    return httpx.Response(status, json=body.model_dump(mode="json"))


@dataclass
class ContractMatcher:
    """Agencies by API token, keys by fingerprint (status current or retired)."""

    agencies: dict[str, str] = field(default_factory=lambda: {"token-a": "Gemeente A"})
    keys: dict[str, str] = field(default_factory=dict)
    requests: list[httpx.Request] = field(default_factory=list)
    failures: list[int | str] = field(default_factory=list)  # a status, or "drop"
    receipts: dict[UUID, tuple[str, wire.Receipt]] = field(default_factory=dict)
    refs: dict[str, str] = field(default_factory=dict)
    released: dict[str, list[wire.ReleasedAlert]] = field(default_factory=dict)

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.failures:
            failure = self.failures.pop(0)
            if failure == "drop":
                raise httpx.ConnectError("connection refused", request=request)
            headers = {"Retry-After": "1"} if failure == 429 else {}
            response = error(int(failure), "unavailable", "try again later")
            return httpx.Response(response.status_code, content=response.content, headers=headers)
        path = request.url.path.removeprefix(PREFIX)
        if path == "/key-epochs" and request.method == "GET":
            return self._key_epochs()
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        agency = self.agencies.get(token) if scheme == "Bearer" else None
        if agency is None:
            return error(401, "unauthorized", "Missing or invalid API token.")
        routes = {
            ("POST", "/batches"): self._submit,
            ("POST", "/withdrawals"): self._withdraw,
            ("GET", "/alerts"): self._alerts,
        }
        route = routes.get((request.method, path))
        if route is None:
            return error(404, "not_found", "No such endpoint.")
        return route(agency, request)

    def _submit(self, agency: str, request: httpx.Request) -> httpx.Response:
        try:
            batch = wire.Batch.model_validate_json(request.content)
        except ValidationError as problem:
            fields = [
                {"location": ".".join(str(part) for part in item["loc"]), "rule": item["type"]}
                for item in problem.errors(include_input=False, include_url=False)
            ]
            return error(
                422, "invalid_batch", "The batch does not match the schema.", fields=fields
            )
        status = self.keys.get(batch.key_fingerprint)
        if status != "current":
            code = "retired_key" if status == "retired" else "unknown_key"
            return error(
                409,
                code,
                "This batch was made with a key the matcher does not accept. Fetch the current"
                " key from the federation's key custodian and prepare the batch again.",
            )
        if batch.batch_id in self.receipts:
            owner, first = self.receipts[batch.batch_id]
            if owner != agency:
                return error(409, "batch_id_taken", "This batch id is used by another agency.")
            replay = first.model_copy(update={"replay": True})
            return httpx.Response(200, json=replay.model_dump(mode="json"))
        held = [signal.ref for signal in batch.signals if self.refs.get(signal.ref) == agency]
        if held:
            return error(409, "duplicate_ref", "A reference in this batch is already held.")
        kinds: dict[str, int] = {}
        for signal in batch.signals:
            self.refs[signal.ref] = agency
            for token in signal.tokens:
                kinds[token.kind] = kinds.get(token.kind, 0) + 1
        receipt = wire.Receipt(
            batch_id=batch.batch_id,
            received_at=dt.datetime.now(dt.UTC),
            signals=len(batch.signals),
            tokens=sum(kinds.values()),
            tokens_per_kind=kinds,
        )
        self.receipts[batch.batch_id] = (agency, receipt)
        return httpx.Response(201, json=receipt.model_dump(mode="json"))

    def _withdraw(self, agency: str, request: httpx.Request) -> httpx.Response:
        withdrawal = wire.Withdrawal.model_validate_json(request.content)
        own = [ref for ref in withdrawal.refs if self.refs.get(ref) == agency]
        for ref in own:
            del self.refs[ref]
        receipt = wire.WithdrawalReceipt(
            withdrawn=len(own), unknown=len(withdrawal.refs) - len(own)
        )
        return httpx.Response(200, json=receipt.model_dump(mode="json"))

    def _alerts(self, agency: str, request: httpx.Request) -> httpx.Response:
        alerts = [alert.model_dump(mode="json") for alert in self.released.get(agency, [])]
        return httpx.Response(200, json={"alerts": alerts})

    def _key_epochs(self) -> httpx.Response:
        epochs = [
            {"scheme": "hmac", "epoch": 1, "fingerprint": fingerprint, "status": status}
            for fingerprint, status in self.keys.items()
        ]
        return httpx.Response(200, json={"epochs": epochs})

    def bodies(self) -> bytes:
        """Return every byte the client sent: URLs, headers and bodies."""
        return b"\n".join(
            str(request.url).encode() + json.dumps(dict(request.headers)).encode() + request.content
            for request in self.requests
        )

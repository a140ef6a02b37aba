"""MatcherClient: the agency's side of the matcher's HTTP API (``/api/v1``).

Requests that fail for a passing reason (no connection, 429, 502, 503, 504) are retried with
exponential backoff; a retried batch is safe because it carries the same batch id, and the
matcher answers a replay with the first receipt. A refused key becomes ``StaleKeyError``, any other
refusal ``UploadError`` carrying the matcher's message and code (which never hold a value).

Tests and integrators can pass any ``httpx.BaseTransport``, e.g.
``httpx.WSGITransport(app=flask_app)`` to run the real client against the matcher in-process.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from typing import Any, Protocol, TypeVar
from uuid import UUID

import httpx
from pydantic import BaseModel, ConfigDict, ValidationError

from client import wire
from client.addresses import insecure_reason
from client.display import printable
from client.errors import StaleKeyError, UploadError
from client.i18n import _

API_PREFIX = "/api/v1"
RETRY_STATUSES = frozenset({429, 502, 503, 504})
STALE_KEY_CODES = frozenset({"unknown_key", "retired_key"})
_MAX_DELAY = 60.0
_USER_AGENT = "kruispunt-client/1"
M = TypeVar("M", bound=BaseModel)


class SerializedBatch(Protocol):
    """A batch already written as its JSON payload (client.batches.PreparedBatch is one)."""

    @property
    def batch_id(self) -> UUID: ...

    @property
    def payload(self) -> str: ...


class KeyEpoch(BaseModel):
    """A key the matcher knows: public information, no secret."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    scheme: str
    epoch: int
    fingerprint: str
    status: str


def _api_root(base_url: str) -> str:
    reason = insecure_reason(base_url, service="matcher")
    if reason is not None:
        raise UploadError(reason)
    root = base_url.strip().rstrip("/")
    return root if root.endswith(API_PREFIX) else root + API_PREFIX


class MatcherClient:
    """Submit batches, withdraw signals and read released alerts; use as a context manager."""

    def __init__(
        self,
        base_url: str,
        *,
        api_token: str,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 30.0,
        retries: int = 4,
        backoff: float = 0.5,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not api_token or not api_token.strip():
            raise UploadError("no API token: set KRUISPUNT_API_TOKEN or give a token file")
        if retries < 0 or backoff < 0:
            raise ValueError("retries and backoff cannot be negative")
        self._retries = retries
        self._backoff = backoff
        self._sleep = sleep
        self._http = httpx.Client(
            base_url=_api_root(base_url),
            transport=transport,
            timeout=timeout,
            headers={
                "Authorization": f"Bearer {api_token.strip()}",
                "User-Agent": _USER_AGENT,
                "Accept": "application/json",
            },
        )

    def __enter__(self) -> MatcherClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"MatcherClient({str(self._http.base_url)!r})"  # never the token

    def close(self) -> None:
        """Close the connections."""
        self._http.close()

    def submit(self, batch: wire.Batch | SerializedBatch) -> wire.Receipt:
        """Upload one batch; a replay of the same batch id returns the first receipt."""
        payload = batch.model_dump_json() if isinstance(batch, wire.Batch) else batch.payload
        response = self._request("POST", "/batches", content=payload.encode("utf-8"))
        return self._parse(wire.Receipt, response.json())

    def withdraw(self, refs: Sequence[str]) -> wire.WithdrawalReceipt:
        """Withdraw the agency's own signals by reference (others' references count as unknown)."""
        body = wire.Withdrawal(refs=list(refs)).model_dump_json()
        response = self._request("POST", "/withdrawals", content=body.encode("utf-8"))
        return self._parse(wire.WithdrawalReceipt, response.json())

    def alerts(self) -> list[wire.ReleasedAlert]:
        """Return the alerts a coordinator released to this agency."""
        data = self._request("GET", "/alerts").json()
        items = data.get("alerts") if isinstance(data, dict) else None
        if not isinstance(items, list):
            raise UploadError("the matcher's answer is not a list of alerts")
        return [self._parse(wire.ReleasedAlert, item) for item in items]

    def key_epochs(self) -> list[KeyEpoch]:
        """Return the keys the matcher knows, with their status (current or retired)."""
        data = self._request("GET", "/key-epochs").json()
        items = data.get("epochs") if isinstance(data, dict) else None
        if not isinstance(items, list):
            raise UploadError("the matcher's answer is not a list of key epochs")
        return [self._parse(KeyEpoch, item) for item in items]

    def _parse(self, model: type[M], data: Any) -> M:
        try:
            return model.model_validate(data)
        except ValidationError:
            raise UploadError(
                f"the matcher's answer is not a valid {model.__name__}: is this a Kruispunt matcher"
                " of a compatible version?"
            ) from None

    def _request(self, method: str, path: str, *, content: bytes | None = None) -> httpx.Response:
        headers = {"Content-Type": "application/json"} if content is not None else None
        for attempt in range(self._retries + 1):
            last = attempt == self._retries
            try:
                response = self._http.request(method, path, content=content, headers=headers)
            except httpx.TransportError as error:
                if last:
                    raise UploadError(
                        _unreachable(self._http.base_url, attempt + 1, error)
                    ) from None
                self._sleep(self._delay(attempt, None))
                continue
            if response.status_code in RETRY_STATUSES and not last:
                self._sleep(self._delay(attempt, response.headers.get("Retry-After")))
                continue
            if response.is_success:
                return response
            raise _refusal(response)
        raise AssertionError("unreachable")  # pragma: no cover

    def _delay(self, attempt: int, retry_after: str | None) -> float:
        """Wait exponentially longer each time, with jitter, at least what the server asked."""
        delay = self._backoff * (2.0**attempt) * (1 + random.random() / 2)  # noqa: S311
        if retry_after is not None and retry_after.strip().isdigit():
            delay = max(delay, float(retry_after))
        return min(delay, _MAX_DELAY)


def _unreachable(url: httpx.URL, attempts: int, error: httpx.TransportError) -> str:
    """Say where the client tried (host and port) and what to check first: the address."""
    port = url.port or (443 if url.scheme == "https" else 80)
    host = f"[{url.host}]" if ":" in url.host else url.host
    return _(
        "cannot reach the matcher at {address} ({scheme}) after {attempts} attempt(s)"
        " ({problem}): check the address (--matcher or env KRUISPUNT_MATCHER) and that this"
        " machine may connect to it; if both are right, the matcher may be down"
    ).format(
        address=f"{host}:{port}", scheme=url.scheme, attempts=attempts, problem=type(error).__name__
    )


def _refusal(response: httpx.Response) -> UploadError:
    """Turn a refusal into an error that carries the matcher's message and code."""
    status = response.status_code
    try:
        detail = wire.ErrorBody.model_validate_json(response.content).error
    except ValidationError:
        # Not our error shape (a proxy's page?): say what happened, do not echo the body.
        return UploadError(f"the matcher answered HTTP {status}", status=status)
    message = printable(detail.message)
    if detail.fields:
        locations = printable(
            ", ".join(
                f"{item.get('location', '?')} ({item.get('rule', '?')})"
                for item in detail.fields[:5]
            )
        )
        message = f"{message} [{locations}]"
    if status == 401:
        message += " (check the API token: env KRUISPUNT_API_TOKEN or --token-file)"
    error_type = StaleKeyError if detail.code in STALE_KEY_CODES else UploadError
    return error_type(message, status=status, code=printable(detail.code))

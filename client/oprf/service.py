"""The client's HTTP side of the key service: evaluate with retries, fetch published keys.

Retries what may pass on a second try (502/503/504, refused or dropped connections, a per-minute
rate limit with a short Retry-After) with bounded exponential back-off; turns every refusal into
a ``SchemeError`` that says what to do, and a used-up quota into ``KeyServiceQuotaExceeded``.
"""

from __future__ import annotations

import datetime as dt
import time

import httpx
from pydantic import ValidationError

from client.addresses import insecure_reason
from client.display import printable
from client.errors import QuotaExceeded, SchemeError
from client.oprf.messages import EvaluateRequest, EvaluateResponse, PublicKeyInfo

_RETRY_STATUSES = {502, 503, 504}


class KeyServiceQuotaExceeded(QuotaExceeded):
    """The key service refused evaluations for now: its code, and when the limit resets."""

    def __init__(
        self, message: str, *, code: str, retry_after: int | None, resets_at: dt.datetime | None
    ) -> None:
        super().__init__(message)
        self.code = code
        self.retry_after = retry_after
        self.resets_at = resets_at


def _error_detail(response: httpx.Response) -> tuple[str, str]:
    try:
        detail = response.json()["error"]
        return printable(str(detail["code"])), printable(str(detail["message"]))
    except (ValueError, KeyError, TypeError):
        return "unknown", f"HTTP {response.status_code}"


def _retry_after(response: httpx.Response) -> int | None:
    value = response.headers.get("Retry-After", "")
    return int(value) if value.isdigit() else None


def _reset_time(response: httpx.Response) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(response.headers.get("X-Quota-Reset", ""))
    except ValueError:
        return None


def _unreachable(error: httpx.TransportError) -> SchemeError:
    # the error's type and text name the connection problem, never a request body
    return SchemeError(f"the key service cannot be reached ({type(error).__name__}: {error})")


def fetch_public_key(
    base_url: str,
    *,
    epoch: int | None = None,
    transport: httpx.BaseTransport | None = None,
    timeout: float = 30.0,
) -> PublicKeyInfo:
    """Fetch the published key document of an epoch (default: the current one)."""
    params = {} if epoch is None else {"epoch": str(epoch)}
    with httpx.Client(base_url=base_url, transport=transport, timeout=timeout) as http:
        try:
            response = http.get("/api/v1/public-key", params=params)
        except httpx.TransportError as error:
            raise _unreachable(error) from error
    if response.status_code != 200:
        code, message = _error_detail(response)
        raise SchemeError(f"the key service publishes no such key ({code}): {message}")
    try:
        return PublicKeyInfo.model_validate_json(response.content)
    except ValidationError as error:
        raise SchemeError("the key service published a malformed key document") from error


class KeyServiceClient:
    """One agency's authenticated connection to the key service's evaluation endpoint."""

    def __init__(
        self,
        base_url: str,
        *,
        api_token: str,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 30.0,
        retries: int = 3,
        retry_backoff: float = 0.5,
        max_wait: float = 60.0,
    ) -> None:
        reason = insecure_reason(base_url, service="key service")
        if reason is not None:
            raise SchemeError(reason)
        self._retries = retries
        self._retry_backoff = retry_backoff
        self._max_wait = max_wait
        self._http = httpx.Client(
            base_url=base_url,
            transport=transport,
            timeout=timeout,
            headers={"Authorization": f"Bearer {api_token}"},
        )

    def close(self) -> None:
        """Close the connections."""
        self._http.close()

    def evaluate(self, request: EvaluateRequest) -> EvaluateResponse:
        """Send one batch of blinded elements; retry what may pass on a second try."""
        body = request.model_dump(mode="json")
        attempt = 0
        while True:
            last = attempt >= self._retries
            try:
                response = self._http.post("/api/v1/evaluate", json=body)
            except httpx.TransportError as error:
                if last:
                    raise _unreachable(error) from error
                self._back_off(attempt)
            else:
                if response.status_code == 200:
                    return self._parse(response)
                wait = self._retry_wait(response, attempt)
                if last or wait is None:
                    raise self._refusal(response)
                time.sleep(wait)
            attempt += 1

    def _back_off(self, attempt: int) -> None:
        time.sleep(self._retry_backoff * 2**attempt)

    def _retry_wait(self, response: httpx.Response, attempt: int) -> float | None:
        """Return how long to wait before retrying this answer, or None to give up now."""
        if response.status_code in _RETRY_STATUSES:
            return float(self._retry_backoff * 2**attempt)
        code, _ = _error_detail(response)
        retry_after = _retry_after(response)
        if code == "rate_limited" and retry_after is not None and retry_after <= self._max_wait:
            return float(retry_after)
        return None

    @staticmethod
    def _parse(response: httpx.Response) -> EvaluateResponse:
        try:
            return EvaluateResponse.model_validate_json(response.content)
        except ValidationError as error:
            raise SchemeError("the key service sent a malformed answer") from error

    @staticmethod
    def _refusal(response: httpx.Response) -> SchemeError:
        code, message = _error_detail(response)
        if response.status_code == 429:
            return KeyServiceQuotaExceeded(
                f"the key service refused more evaluations ({code}): {message}",
                code=code,
                retry_after=_retry_after(response),
                resets_at=_reset_time(response),
            )
        if response.status_code == 401:
            return SchemeError(
                "the key service refused this agency's API token: check the configured token "
                "or ask the key service operator"
            )
        return SchemeError(
            f"the key service refused the request ({response.status_code} {code}): {message}"
        )

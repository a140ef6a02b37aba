"""Per-agency rate limits (evaluations per clock minute) and daily quotas (per UTC day).

Counters live in Redis in production, so every worker process and host shares them; a Lua script
checks and adds in one atomic step. Without Redis they live in this process's memory: correct for
one single-process server (the embedded default and tests), wrong behind several workers.
A request is charged in full or not at all, so a refused request costs the agency nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from dataclasses import dataclass
from typing import Protocol

import redis
from flask import Flask, current_app

from keyservice.agencies import Agency
from keyservice.errors import LimitExceeded, Unavailable

log = logging.getLogger(__name__)


class Counter(Protocol):
    """Adds to a named counter only if the total stays within a limit."""

    def consume(self, key: str, amount: int, *, limit: int, ttl_seconds: int) -> tuple[bool, int]:
        """Return (charged, total): total is the count after charging, or as it was if refused."""
        ...


class MemoryCounter:
    """Counters in this process's memory; entries expire like Redis keys."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: dict[str, tuple[int, float]] = {}

    def consume(self, key: str, amount: int, *, limit: int, ttl_seconds: int) -> tuple[bool, int]:
        now = time.monotonic()
        with self._lock:
            total, expires = self._counts.get(key, (0, now + ttl_seconds))
            if expires <= now:
                total, expires = 0, now + ttl_seconds
            if total + amount > limit:
                return False, total
            self._counts[key] = (total + amount, expires)
            if len(self._counts) > 10_000:  # drop expired windows now and then
                self._counts = {k: v for k, v in self._counts.items() if v[1] > now}
            return True, total + amount


_CONSUME_SCRIPT = """
local total = tonumber(redis.call('GET', KEYS[1]) or '0')
local amount = tonumber(ARGV[1])
if total + amount > tonumber(ARGV[2]) then return {0, total} end
total = redis.call('INCRBY', KEYS[1], amount)
if redis.call('TTL', KEYS[1]) < 0 then redis.call('EXPIRE', KEYS[1], ARGV[3]) end
return {1, total}
"""


class RedisCounter:
    """Counters in Redis, shared by every process; check-and-add is one Lua script."""

    def __init__(self, client: redis.Redis[bytes], *, prefix: str) -> None:
        self._client = client
        self._prefix = prefix
        self._script = client.register_script(_CONSUME_SCRIPT)

    def consume(self, key: str, amount: int, *, limit: int, ttl_seconds: int) -> tuple[bool, int]:
        try:
            charged, total = self._script(
                keys=[self._prefix + key], args=[amount, limit, ttl_seconds]
            )
        except redis.RedisError as error:
            # fail closed: without the shared counters no quota can be enforced
            log.error("quota counters unavailable: %s", type(error).__name__)
            raise Unavailable(
                "The key service cannot check quotas right now; try again later.",
                code="limits_unavailable",
            ) from error
        return bool(charged), int(total)

    def ping(self) -> bool:
        """Tell whether Redis answers."""
        return bool(self._client.ping())


@dataclass(frozen=True)
class QuotaState:
    """Where an agency stands after a charge: for the X-Quota-* response headers."""

    limit: int
    used: int
    resets_at: dt.datetime


def _next_midnight(now: dt.datetime) -> dt.datetime:
    return dt.datetime.combine(now.date() + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)


def charge(
    counter: Counter, agency: Agency, count: int, *, per_minute: int, now: dt.datetime
) -> QuotaState:
    """Charge count evaluations to an agency's minute window, then to its day; raise if over."""
    minute = now.replace(second=0, microsecond=0)
    minute_key = f"rate:{agency.id}:{minute:%Y%m%d%H%M}"
    charged, _ = counter.consume(minute_key, count, limit=per_minute, ttl_seconds=120)
    if not charged:
        raise LimitExceeded(
            f"This agency may ask for {per_minute} evaluations per minute; "
            "wait for the next minute or send smaller batches.",
            code="rate_limited",
            resets_at=minute + dt.timedelta(minutes=1),
            now=now,
        )
    midnight = _next_midnight(now)
    day_key = f"quota:{agency.id}:{now:%Y%m%d}"
    ttl = int((midnight - now).total_seconds()) + 3600
    charged, used = counter.consume(day_key, count, limit=agency.daily_quota, ttl_seconds=ttl)
    if not charged:
        raise LimitExceeded(
            f"The daily quota of {agency.daily_quota} evaluations for this agency is used up "
            f"({used} used today, {count} asked); it resets at "
            f"{midnight.isoformat(timespec='seconds')}. Ask the key service operator for a "
            "higher quota if this is regular work.",
            code="quota_exhausted",
            resets_at=midnight,
            now=now,
        )
    return QuotaState(limit=agency.daily_quota, used=used, resets_at=midnight)


def make_counter(redis_url: str, *, prefix: str) -> MemoryCounter | RedisCounter:
    """Return a Redis counter when a URL is configured, else an in-memory one."""
    if redis_url:
        return RedisCounter(redis.Redis.from_url(redis_url), prefix=prefix)
    return MemoryCounter()


_COUNTER = "keyservice.counter"


def get_counter() -> MemoryCounter | RedisCounter:
    """Return the current app's counter."""
    counter: MemoryCounter | RedisCounter = current_app.extensions[_COUNTER]
    return counter


def init_app(app: Flask) -> None:
    """Create the app's counter from its settings (`serve` says when it is in memory)."""
    app.extensions[_COUNTER] = make_counter(
        app.config["KEYSERVICE_REDIS_URL"], prefix=app.config["KEYSERVICE_REDIS_PREFIX"]
    )

"""Run overlap detection off the request path: a thread in the app process, or a command.

``DETECTION`` chooses where the queue of :mod:`matcher.services.detection` is worked off:

- ``thread`` (default): a daemon thread in each app process, started with the first request and
  woken after every stored batch; with SQLite's one writer this is all the embedded default needs.
  It gives way to the agencies: while an agency's request is in flight in the process
  (:class:`AgencyRequests`) it starts no step of a run, and a running step stops at its next
  statement, so a request waits for a statement, not for the detection of what the last batch
  overlapped (design non-negotiable 9; :mod:`matcher.services.detection`);
- ``external``: the app only queues; run ``kruispunt-matcher worker`` (one or more, on any host);
- ``inline``: the submit request works the queue off itself after committing the batch. For the
  test suite and single-user demos only: the receipt then waits for detection.
"""

from __future__ import annotations

import logging
import threading

from flask import Flask, current_app, g, request
from sqlalchemy import Engine
from sqlmodel import Session

from matcher.services import detection

MODES = ("thread", "external", "inline")
#: seconds between looks at the queue when nothing woke the worker (jobs from other processes):
#: a look at an empty queue is one index probe, and a batch waits half of this on average
POLL_SECONDS = 0.2
#: the longest the thread waits for a moment with no agency request in flight before a step:
#: under a stream of requests with no gap, detection still goes on
GIVE_WAY_SECONDS = 2.0
#: the endpoints agencies call: their time must not tell what detection is doing
AGENCY_ENDPOINTS = frozenset({"api.submit_batch", "api.withdraw", "api.released_alerts"})
log = logging.getLogger("matcher.detection")


class AgencyRequests:
    """Count the agencies' requests in flight in this process; let detection wait for none."""

    def __init__(self) -> None:
        self._in_flight = 0
        self._changed = threading.Condition()

    def enter(self) -> None:
        with self._changed:
            self._in_flight += 1

    def leave(self) -> None:
        with self._changed:
            self._in_flight -= 1
            if not self._in_flight:
                self._changed.notify_all()

    def in_flight(self) -> bool:
        """Say whether an agency's request is being served now."""
        return self._in_flight > 0

    def give_way(self, timeout: float = GIVE_WAY_SECONDS) -> bool:
        """Wait until no agency request is in flight; False if still one after timeout seconds."""
        with self._changed:
            return self._changed.wait_for(lambda: not self._in_flight, timeout)


class DetectionThread(threading.Thread):
    """Drain the detection queue whenever woken, and at least every POLL_SECONDS."""

    def __init__(
        self,
        engine: Engine,
        *,
        poll: float = POLL_SECONDS,
        requests: AgencyRequests | None = None,
    ) -> None:
        super().__init__(name="kruispunt-detection", daemon=True)
        self.engine = engine
        self.poll = poll
        self.requests = requests or AgencyRequests()
        self.woken = threading.Event()
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.is_set():
            self.woken.wait(self.poll)
            self.woken.clear()
            work_off(self.engine, agencies=self.requests)

    def stop(self) -> None:
        """Finish the current job and end the thread."""
        self.stopping.set()
        self.woken.set()
        self.join()


def work_off(engine: Engine, *, agencies: detection.Agencies | None = None) -> int:
    """Drain the queue once; log (without data) and survive a failed job, which stays queued."""
    try:
        with Session(engine) as session:
            return len(detection.drain(session, agencies=agencies))
    except Exception:  # the job rolled back and stays queued; the next wake retries it
        log.exception("overlap detection failed; the batch stays queued")
        return 0


def init_app(app: Flask) -> None:
    """Start the in-process worker with the first request, if DETECTION is ``thread``."""
    mode = app.config["DETECTION"]
    if mode not in MODES:
        raise ValueError(f"DETECTION must be one of {', '.join(MODES)}")
    if mode != "thread":
        return
    lock = threading.Lock()
    requests = app.extensions["matcher.agency_requests"] = AgencyRequests()

    def ensure_started() -> None:
        if "matcher.detection_thread" in app.extensions:
            return
        with lock:
            if "matcher.detection_thread" not in app.extensions:
                worker = DetectionThread(app.extensions["matcher.engine"], requests=requests)
                worker.start()
                app.extensions["matcher.detection_thread"] = worker

    def enter() -> None:
        # before routing's other hooks: authentication and parsing count as the request's time
        if request.endpoint in AGENCY_ENDPOINTS:
            requests.enter()
            g.agency_request = True

    def leave(_error: BaseException | None) -> None:
        if g.pop("agency_request", False):
            requests.leave()

    app.before_request(enter)
    app.before_request(ensure_started)
    app.teardown_request(leave)


def after_submit(session: Session) -> None:
    """After a stored batch was committed: wake the thread, or drain here in ``inline`` mode."""
    if current_app.config["DETECTION"] == "inline":
        detection.drain(session)
        return
    worker: DetectionThread | None = current_app.extensions.get("matcher.detection_thread")
    if worker is not None:
        worker.woken.set()

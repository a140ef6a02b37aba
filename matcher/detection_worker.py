"""Run overlap detection off the request path: a thread in the app process, or a command.

``DETECTION`` chooses where the queue of :mod:`matcher.services.detection` is worked off:

- ``thread`` (default): a daemon thread in each app process, started with the first request and
  woken after every stored batch; with SQLite's one writer this is all the embedded default needs;
- ``external``: the app only queues; run ``kruispunt-matcher worker`` (one or more, on any host);
- ``inline``: the submit request works the queue off itself after committing the batch. For the
  test suite and single-user demos only: the receipt then waits for detection.
"""

from __future__ import annotations

import logging
import threading

from flask import Flask, current_app
from sqlalchemy import Engine
from sqlmodel import Session

from matcher.services import detection

MODES = ("thread", "external", "inline")
#: seconds between looks at the queue when nothing woke the worker (jobs from other processes):
#: a look at an empty queue is one index probe, and a batch waits half of this on average
POLL_SECONDS = 0.2
log = logging.getLogger("matcher.detection")


class DetectionThread(threading.Thread):
    """Drain the detection queue whenever woken, and at least every POLL_SECONDS."""

    def __init__(self, engine: Engine, *, poll: float = POLL_SECONDS) -> None:
        super().__init__(name="kruispunt-detection", daemon=True)
        self.engine = engine
        self.poll = poll
        self.woken = threading.Event()
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.is_set():
            self.woken.wait(self.poll)
            self.woken.clear()
            work_off(self.engine)

    def stop(self) -> None:
        """Finish the current job and end the thread."""
        self.stopping.set()
        self.woken.set()
        self.join()


def work_off(engine: Engine) -> int:
    """Drain the queue once; log (without data) and survive a failed job, which stays queued."""
    try:
        with Session(engine) as session:
            return len(detection.drain(session))
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

    def ensure_started() -> None:
        if "matcher.detection_thread" in app.extensions:
            return
        with lock:
            if "matcher.detection_thread" not in app.extensions:
                worker = DetectionThread(app.extensions["matcher.engine"])
                worker.start()
                app.extensions["matcher.detection_thread"] = worker

    app.before_request(ensure_started)


def after_submit(session: Session) -> None:
    """After a stored batch was committed: wake the thread, or drain here in ``inline`` mode."""
    if current_app.config["DETECTION"] == "inline":
        detection.drain(session)
        return
    worker: DetectionThread | None = current_app.extensions.get("matcher.detection_thread")
    if worker is not None:
        worker.woken.set()

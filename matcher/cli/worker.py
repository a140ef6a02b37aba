"""`kruispunt-matcher worker`: find overlaps of stored batches, for DETECTION=external."""

from __future__ import annotations

import time

import click
from flask.cli import with_appcontext

from matcher import db
from matcher.detection_worker import POLL_SECONDS, work_off


@click.command("worker")
@with_appcontext
@click.option("--once", is_flag=True, help="Work off the queue once and exit (e.g. from cron).")
@click.option(
    "--poll",
    type=float,
    default=POLL_SECONDS,
    show_default=True,
    help="Seconds to wait between looks at an empty queue.",
)
def worker(once: bool, poll: float) -> None:
    """Find the overlaps of queued batches and raise their alerts; run as many as you like."""
    engine = db.engine()
    while True:
        done = work_off(engine)
        if once:
            click.echo(f"Detected overlaps of {done} batches.")
            return
        if not done:
            time.sleep(poll)

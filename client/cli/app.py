"""``kruispunt app``: serve the analysts' web app on 127.0.0.1 and open it in the browser.

The link it opens (or prints with ``--no-browser``) holds a one-time token; once a browser has
used it, it is spent. Uploaded exports are kept in a private temporary folder that is removed
when the app stops. The key and tokens come from the same options and environment variables as
``prepare`` and ``submit``.
"""

from __future__ import annotations

import secrets
import shutil
import signal
import tempfile
import webbrowser
from pathlib import Path
from typing import Any

import click
from werkzeug.serving import WSGIRequestHandler, make_server

from client.app import AppSettings, create_app
from client.app.settings import default_mappings_path
from client.cli.options import ledger_option, matcher_options, read_token, scheme_options
from client.cli.scheme import build_scheme
from client.http import MatcherClient
from client.i18n import _
from client.ledger import default_ledger_path

HOST = "127.0.0.1"


class QuietRequestHandler(WSGIRequestHandler):
    """Log requests without the start link's token (paths hold no cell values)."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        if self.path.startswith("/start/"):
            self.log("info", '"%s /start/… %s" %s', self.command, self.request_version, code)
            return
        super().log_request(code, size)


def _matcher_factory(options: dict[str, Any]) -> Any:
    """Return a function that opens a matcher client, or None when no matcher was named."""
    if not options.get("matcher"):
        return None
    token = read_token(options.get("token_file"))
    address, timeout, retries = options["matcher"], options["timeout"], options["retries"]
    MatcherClient(address, api_token=token).close()  # refuse a bad address now, not in a page

    def open_client() -> MatcherClient:
        return MatcherClient(address, api_token=token, timeout=timeout, retries=retries)

    return open_client


def _stop(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


@click.command()
@click.option(
    "--key-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Federation key file (or env KRUISPUNT_KEY_FILE).",
)
@scheme_options
@ledger_option
@matcher_options
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=0,
    help="Port on 127.0.0.1 (default: a free one).",
)
@click.option("--no-browser", is_flag=True, help="Print the link instead of opening a browser.")
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    help="Processes for large exports (default: all cores).",
)
def app(**options: Any) -> None:
    """Open the web app for analysts on this computer (Dutch, English one click away).

    Choose an export, check the columns, prepare, submit and read your alerts in the browser.
    It listens on 127.0.0.1 only; stop it with Ctrl-C.
    """
    scheme = build_scheme(options)
    matcher = _matcher_factory(options)
    work_dir = Path(tempfile.mkdtemp(prefix="kruispunt-app-"))
    token = secrets.token_urlsafe(32)
    settings = AppSettings(
        start_token=token,
        scheme=scheme,
        matcher=matcher,
        ledger_path=options["ledger_path"] or default_ledger_path(),
        work_dir=work_dir,
        mappings_path=default_mappings_path(),
        workers=options["workers"],
    )
    server = make_server(
        HOST,
        options["port"],
        create_app(settings),
        threaded=True,
        request_handler=QuietRequestHandler,
    )
    link = f"http://{HOST}:{server.server_port}/start/{token}"
    previous = signal.signal(signal.SIGTERM, _stop)  # a plain kill cleans up like Ctrl-C
    try:
        address = f"http://{HOST}:{server.server_port}"
        click.echo(_("Kruispunt app on {address} (Ctrl-C stops it).").format(address=address))
        if options["no_browser"] or not webbrowser.open(link):
            click.echo(_("Open this link once, in your browser: {link}").format(link=link))
        if matcher is None:
            click.echo(_("No matcher named (--matcher URL): the app can prepare but not submit."))
        server.serve_forever()
    except KeyboardInterrupt:
        click.echo(_("Stopped."))
    finally:
        signal.signal(signal.SIGTERM, previous)
        server.server_close()
        shutil.rmtree(work_dir, ignore_errors=True)
        close = getattr(scheme, "close", None)  # a remote scheme (oprf) holds connections
        if callable(close):
            close()

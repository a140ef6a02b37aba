"""What the analysts' app needs from the machine it runs on, gathered in one place.

The command ``kruispunt app`` builds these from its options (the same options and environment
variables as ``prepare`` and ``submit``); tests build them directly.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from client.http import MatcherClient
from client.schemes.base import Scheme

ENV_APP_MAPPINGS = "KRUISPUNT_APP_MAPPINGS"


def default_mappings_path(environ: Mapping[str, str] = os.environ) -> Path:
    """Return where saved column mappings live: env, else the user's config directory."""
    if environ.get(ENV_APP_MAPPINGS):
        return Path(environ[ENV_APP_MAPPINGS]).expanduser()
    config_home = environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(config_home) / "kruispunt" / "app-mappings.json"


@dataclass(frozen=True, kw_only=True)
class AppSettings:
    """The app's machine-side settings; nothing here is ever shown in a page."""

    #: the one-time secret of the start link; exchanged once for a session cookie
    start_token: str
    #: the scheme that turns identifiers into tokens (hmac key or oprf key service)
    scheme: Scheme
    #: opens a connection to the matcher; None when no matcher was named (prepare only)
    matcher: Callable[[], MatcherClient] | None
    #: the local ledger (reference -> own case number)
    ledger_path: Path
    #: a private folder (0700) for the uploaded exports of this run
    work_dir: Path
    #: the saved column mappings per export type
    mappings_path: Path
    #: worker processes for large exports (None: every core)
    workers: int | None = None

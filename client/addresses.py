"""Where the client may send a token: https anywhere, plain http only to this machine.

API tokens (the matcher's, the key service's) travel in a request header; over plain ``http://``
anyone on the path could read them. Loopback addresses are the one exception, for a service run
on the analyst's own machine (the demonstration, tests).
"""

from __future__ import annotations

from urllib.parse import urlsplit

LOOPBACK = frozenset({"localhost", "127.0.0.1", "::1"})


def insecure_reason(url: str, *, service: str) -> str | None:
    """Return why url may not carry a token to the service, or None if it may."""
    parts = urlsplit(url.strip())
    if parts.scheme not in {"https", "http"} or not parts.hostname:
        return f"the {service} address must be an https:// URL"
    if parts.scheme == "http" and parts.hostname not in LOOPBACK:
        return f"use https:// for the {service}: its API token must not travel in clear"
    return None

"""Security headers on every response, API and dashboard alike.

``nosniff`` keeps a browser from reading a JSON error as a page or a script; HSTS, sent only
when the request came over HTTPS, tells a browser never to use plain HTTP for this host again.
Behind a TLS-terminating proxy the request counts as HTTPS when the proxy says so and the
server trusts it (gunicorn's ``--forwarded-allow-ips``, see docs/operations.md).
"""

from __future__ import annotations

from flask import Flask, Response, request

#: one year, and every subdomain: the matcher is never meant to be reached over plain HTTP
HSTS = "max-age=31536000; includeSubDomains"


def add_security_headers(response: Response) -> Response:
    """Add nosniff everywhere and HSTS over HTTPS."""
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    return response


def init_app(app: Flask) -> None:
    """Send the headers with every response of the app."""
    app.after_request(add_security_headers)

"""Host names for e-mail domains and web addresses: lower case, IDNA (punycode), validated."""

from __future__ import annotations

import ipaddress
import re

import idna

from client.errors import NormalizationError

MAX_HOST_CHARS = 253
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_PLAIN_HOST = re.compile(rf"(?:{_LABEL}\.)+(?:[a-z]{{2,63}}|xn--[a-z0-9-]{{1,59}})")
_DOTTED_DIGITS = re.compile(r"[0-9.]+")


def _ipv4(host: str) -> str | None:
    try:
        return str(ipaddress.IPv4Address(host))
    except ValueError:
        return None


def _idna(host: str) -> str:
    """Return the IDNA (punycode) form, or '' when there is none.

    The library's error quotes the offending label, so it is swallowed here rather than chained
    to the NormalizationError (where it would travel on as __context__).
    """
    try:
        return idna.encode(host, uts46=True).decode("ascii")
    except (idna.IDNAError, UnicodeError):
        return ""


def canonical_host(kind: str, host: str, *, allow_ip: bool) -> str:
    """Return the host in lower-case ASCII (IDNA for other scripts) or refuse it."""
    host = host.lower().removesuffix(".")
    if not host:
        raise NormalizationError(kind, "no host name")
    if allow_ip and _DOTTED_DIGITS.fullmatch(host):
        address = _ipv4(host)
        if address is None:
            raise NormalizationError(kind, "not a valid IPv4 address")
        return address
    if len(host) > MAX_HOST_CHARS:
        raise NormalizationError(kind, "host name longer than 253 characters")
    # Plain ASCII names skip the IDNA codec (slow); punycode labels go through it to be checked.
    if not host.isascii() or "xn--" in host:
        host = _idna(host)
        if not host:
            raise NormalizationError(kind, "host is not a valid domain name")
    if "." not in host:
        raise NormalizationError(kind, "host name has no dot")
    if not _PLAIN_HOST.fullmatch(host):
        raise NormalizationError(kind, "host is not a valid domain name")
    return host

"""Web addresses: only the host matters (``host`` level): lower case, no ``www.``, no port.

``https://www.Club-Rood.nl:443/agenda?x=1``, ``club-rood.nl/`` and ``WWW.CLUB-ROOD.NL`` are all
``club-rood.nl``. Internationalized names are IDNA-encoded (``bücher.de`` → ``xn--bcher-kva.de``).
Advertisement platforms share one host across thousands of ads: submit an operator's own site,
not the platform's address of an ad.
"""

from __future__ import annotations

import re

from client.errors import NormalizationError
from client.normalizers._host import canonical_host
from client.normalizers._text import check_context, check_text, placeholder_on_failure

KIND = "url"
_NO_CONTEXT: frozenset[str] = frozenset()
_SCHEME = re.compile(r"[a-z][a-z0-9+.\-]*://|//", re.IGNORECASE)
_NOT_WEB = re.compile(r"(?:mailto|tel|sms|callto|whatsapp|javascript|data|file):", re.IGNORECASE)
_HOST_END = re.compile(r"[/?#\\]")
_PORT = re.compile(r":[0-9]*$")
_CANONICAL = re.compile(r"[a-z0-9.-]+")


@placeholder_on_failure(KIND)
def normalize(raw: str, /, **context: str) -> str:
    """Return the host of a web address, lower case and without www."""
    text = check_text(KIND, raw, placeholders=False)
    if context:
        check_context(KIND, context, _NO_CONTEXT)
    if _NOT_WEB.match(text):
        raise NormalizationError(KIND, "not a web address (mailto:, tel:, ...)")
    scheme = _SCHEME.match(text)
    if scheme:
        text = text[scheme.end() :]
    end = _HOST_END.search(text)
    host = text[: end.start()] if end else text
    host = host.rpartition("@")[2]
    if host.startswith("["):
        raise NormalizationError(KIND, "IPv6 literals are not supported")
    host = _PORT.sub("", host)
    if any(char.isspace() for char in host) or ":" in host:
        raise NormalizationError(KIND, "host holds spaces or a malformed port")
    host = canonical_host(KIND, host, allow_ip=True)
    while host.startswith("www.") and host.count(".") > 1:
        host = host[4:]
    return host


def match_keys(canonical: str) -> list[tuple[str, str]]:
    """Return the one key of a web address: its host."""
    if not _CANONICAL.fullmatch(canonical):
        raise NormalizationError(KIND, "not a canonical host")
    return [("host", canonical)]

"""E-mail addresses: one mailbox per spelling (``mailbox`` level).

Lower case, ``mailto:`` and display names dropped, ``name [at] domain [dot] nl`` read as written
in ads, the domain IDNA-encoded. A ``+tag`` (sub-address) is dropped for every domain: most large
providers deliver ``ana+ads@`` to ``ana@``. For Gmail the dots in the local part are dropped too
and googlemail.com is gmail.com, since Gmail ignores both.
"""

from __future__ import annotations

import re
import unicodedata

from client.errors import NormalizationError
from client.normalizers._host import canonical_host
from client.normalizers._text import (
    check_context,
    check_text,
    placeholder_on_failure,
    refuse_placeholder,
)

KIND = "email"
_NO_CONTEXT: frozenset[str] = frozenset()
_MAILTO = re.compile(r"mailto: *", re.IGNORECASE)
_DISPLAY_NAME = re.compile(r"[^<]*<([^<>]*)>\s*")
_AT = re.compile(r"\s*[\[({]\s*(?:at|apenstaartje)\s*[\])}]\s*", re.IGNORECASE)
_DOT = re.compile(r"\s*[\[({]\s*(?:dot|punt)\s*[\])}]\s*", re.IGNORECASE)
_LOCAL_FORBIDDEN = re.compile(r"[\s\"(),:;<>@\[\\\]\x00-\x1f\x7f]")
_GMAIL = frozenset({"gmail.com", "googlemail.com"})
_CANONICAL = re.compile(r"[^@\s]+@[a-z0-9.-]+\.[a-z0-9-]+")


def _local_part(local: str) -> str:
    local = local.split("+", 1)[0]
    if not local:
        raise NormalizationError(KIND, "empty local part")
    if _LOCAL_FORBIDDEN.search(local):
        raise NormalizationError(KIND, "local part holds spaces or forbidden characters")
    if local.startswith(".") or local.endswith(".") or ".." in local:
        raise NormalizationError(KIND, "local part has a dot at its start, end or twice")
    local = local.lower()
    return local if local.isascii() else unicodedata.normalize("NFC", local)


@placeholder_on_failure(KIND)
def normalize(raw: str, /, **context: str) -> str:
    """Return local@domain in lower case, without +tag (and without dots for Gmail)."""
    text = check_text(KIND, raw, placeholders=False)
    if context:
        check_context(KIND, context, _NO_CONTEXT)
    if "<" in text:
        display = _DISPLAY_NAME.fullmatch(text)
        if display:
            text = display.group(1).strip()
    mailto = _MAILTO.match(text)
    if mailto:
        text = text[mailto.end() :].split("?", 1)[0]
    if "[" in text or "(" in text or "{" in text:
        text = _DOT.sub(".", _AT.sub("@", text))
    if text.count("@") != 1:
        raise NormalizationError(KIND, "not exactly one @")
    local, _, domain = text.partition("@")
    domain = canonical_host(KIND, domain, allow_ip=False)
    if domain in _GMAIL:
        domain = "gmail.com"
        local = local.replace(".", "")
    return refuse_placeholder(KIND, f"{_local_part(local)}@{domain}")


def match_keys(canonical: str) -> list[tuple[str, str]]:
    """Return the one key of an e-mail address: its canonical mailbox."""
    if not _CANONICAL.fullmatch(canonical):
        raise NormalizationError(KIND, "not a canonical e-mail address")
    return [("mailbox", canonical)]

"""Placeholder: replaced by the iban normalizer."""

from client.errors import NormalizationError


def normalize(raw: str, **context: str) -> str:
    """Return the canonical form."""
    value = raw.strip().lower()
    if not value:
        raise NormalizationError("iban", "empty")
    return value


def match_keys(canonical: str) -> list[tuple[str, str]]:
    """Return (level, value) pairs."""
    from client.wire import LEVELS, Kind

    return [(LEVELS[Kind("iban")][0], canonical)]

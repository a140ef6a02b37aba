"""Placeholder: replaced by the kvk normalizer."""

from client.errors import NormalizationError


def normalize(raw: str, **context: str) -> str:
    """Return the canonical form."""
    value = raw.strip().lower()
    if not value:
        raise NormalizationError("kvk", "empty")
    return value


def match_keys(canonical: str) -> list[tuple[str, str]]:
    """Return (level, value) pairs."""
    from client.wire import LEVELS, Kind

    return [(LEVELS[Kind("kvk")][0], canonical)]

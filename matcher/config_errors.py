"""The one error of a missing or wrong setting, shared by the settings and the key files."""

from __future__ import annotations

INIT_HINT = "run `kruispunt-matcher init` to create it, or restore it from its backup"


class ConfigurationError(Exception):
    """A setting is missing or wrong; the message is one line that says what to do."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

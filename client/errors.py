"""Errors the client raises.

    ClientError
     ├── NormalizationError (a ValueError)  an input is not a valid identifier of its kind
     ├── KeyFileError                       a key file is missing, malformed, or will not decrypt
     ├── InputFileError                     an export cannot be read or mapped
     ├── SchemeError                        a token could not be computed (key service refused)
     │    └── QuotaExceeded                 the key service's quota for this agency is used up
     └── UploadError                        the matcher refused or could not be reached
          └── StaleKeyError                 the batch was made with an unknown or retired key

No message ever contains a raw identifier: they name the row, the column and the rule.
"""

from __future__ import annotations


class ClientError(Exception):
    """Base of every error the client raises on purpose."""


class NormalizationError(ClientError, ValueError):
    """An input is not a valid identifier of its kind; the message names the rule, not the value."""

    def __init__(self, kind: str, rule: str) -> None:
        super().__init__(f"not a valid {kind}: {rule}")
        self.kind = kind
        self.rule = rule


class KeyFileError(ClientError):
    """A key file is missing, malformed, or will not decrypt."""


class InputFileError(ClientError):
    """An export cannot be read or its columns cannot be mapped."""


class SchemeError(ClientError):
    """A token could not be computed."""


class QuotaExceeded(SchemeError):
    """The key service refused more evaluations until its quota resets."""


class UploadError(ClientError):
    """The matcher refused a request or could not be reached."""

    def __init__(self, message: str, *, status: int | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code


class StaleKeyError(UploadError):
    """The matcher does not know the batch's key fingerprint, or it is retired."""

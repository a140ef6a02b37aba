"""The agency-side client: normalize identifiers and turn them into tokens on the agency's machine."""

from client.errors import (
    ClientError,
    InputFileError,
    KeyFileError,
    NormalizationError,
    QuotaExceeded,
    SchemeError,
    StaleKeyError,
    UploadError,
)
from client.normalizers import NORMALIZATION_VERSION, match_keys, normalize
from client.schemes.base import MatchKey, Scheme
from client.schemes.hmac import HmacScheme

__all__ = [
    "NORMALIZATION_VERSION",
    "ClientError",
    "HmacScheme",
    "InputFileError",
    "KeyFileError",
    "MatchKey",
    "NormalizationError",
    "QuotaExceeded",
    "Scheme",
    "SchemeError",
    "StaleKeyError",
    "UploadError",
    "match_keys",
    "normalize",
]

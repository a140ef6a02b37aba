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
from client.keys import FederationKey, generate_key, load_key, save_key
from client.normalizers import NORMALIZATION_VERSION, match_keys, normalize
from client.schemes.base import MatchKey, Scheme
from client.schemes.hmac import HmacScheme
from client.schemes.oprf import OprfScheme

__all__ = [
    "NORMALIZATION_VERSION",
    "ClientError",
    "FederationKey",
    "HmacScheme",
    "InputFileError",
    "KeyFileError",
    "MatchKey",
    "NormalizationError",
    "OprfScheme",
    "QuotaExceeded",
    "Scheme",
    "SchemeError",
    "StaleKeyError",
    "UploadError",
    "generate_key",
    "load_key",
    "match_keys",
    "normalize",
    "save_key",
]

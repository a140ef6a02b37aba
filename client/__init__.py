"""The agency-side client: normalize identifiers and make tokens of them on the agency's machine.

``OprfScheme`` is imported on first use: it loads libsodium, which the ``hmac`` scheme never needs.
"""

from typing import TYPE_CHECKING, Any

from client.batches import Preparation, PreparationReport, PreparedBatch, SignalOrigin, prepare
from client.batchfile import BatchFileWriter, read_batch_file
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
from client.http import KeyEpoch, MatcherClient
from client.keys import FederationKey, generate_key, load_key, save_key
from client.kinds import Kind, KindSpec, Level, Strength, register, registered, unregister
from client.ledger import Ledger, LedgerBatch, LedgerEntry
from client.mapping import ColumnMapping, IdentifierColumn
from client.mapping_file import load_mapping_file
from client.normalizers import NORMALIZATION_VERSION, match_keys, normalize
from client.reading import Export, open_export
from client.schemes.base import MatchKey, Scheme
from client.schemes.hmac import HmacScheme
from client.signals import Rejection
from client.wire import Category, Receipt, ReleasedAlert

if TYPE_CHECKING:
    from client.schemes.oprf import OprfScheme

__all__ = [
    "NORMALIZATION_VERSION",
    "BatchFileWriter",
    "Category",
    "ClientError",
    "ColumnMapping",
    "Export",
    "FederationKey",
    "HmacScheme",
    "IdentifierColumn",
    "InputFileError",
    "KeyEpoch",
    "KeyFileError",
    "Kind",
    "KindSpec",
    "Ledger",
    "LedgerBatch",
    "LedgerEntry",
    "Level",
    "MatchKey",
    "MatcherClient",
    "NormalizationError",
    "OprfScheme",
    "Preparation",
    "PreparationReport",
    "PreparedBatch",
    "QuotaExceeded",
    "Receipt",
    "Rejection",
    "ReleasedAlert",
    "Scheme",
    "SchemeError",
    "SignalOrigin",
    "StaleKeyError",
    "Strength",
    "UploadError",
    "generate_key",
    "load_key",
    "load_mapping_file",
    "match_keys",
    "normalize",
    "open_export",
    "prepare",
    "read_batch_file",
    "register",
    "registered",
    "save_key",
    "unregister",
]


def __getattr__(name: str) -> Any:
    """Import ``OprfScheme`` (and with it libsodium) only when it is asked for."""
    if name == "OprfScheme":
        from client.schemes.oprf import OprfScheme

        return OprfScheme
    raise AttributeError(f"module 'client' has no attribute {name!r}")

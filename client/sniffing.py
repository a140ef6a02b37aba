"""Work out how a CSV export was written: its encoding and its delimiter.

Dutch Excel writes Windows-1252 or UTF-8 (with a BOM for "CSV UTF-8") and uses ``;`` as its
delimiter; other tools write ``,`` or tab. Both are detected, never asked of the analyst.
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path
from typing import IO

from client.errors import InputFileError

DELIMITERS = (",", ";", "\t")
CHUNK_BYTES = 256 * 1024
#: the five bytes Windows-1252 leaves undefined
_NOT_CP1252 = re.compile(rb"[\x81\x8d\x8f\x90\x9d]")


def detect_encoding(path: Path) -> str:
    """Return 'utf-8-sig' for a BOM, 'utf-8' if every byte decodes as UTF-8, else 'cp1252'.

    InputFileError names the line of a byte that is neither (never the line's content).
    """
    decoder = codecs.getincrementaldecoder("utf-8")()
    with path.open("rb") as handle:
        head = handle.read(len(codecs.BOM_UTF8))
        if head == codecs.BOM_UTF8:
            return "utf-8-sig"
        handle.seek(0)
        try:
            while chunk := handle.read(CHUNK_BYTES):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            _check_cp1252(handle, path.name)
            return "cp1252"
    return "utf-8"


def _check_cp1252(handle: IO[bytes], origin: str) -> None:
    handle.seek(0)
    lines = 1
    while chunk := handle.read(CHUNK_BYTES):
        found = _NOT_CP1252.search(chunk)
        if found is not None:
            line = lines + chunk.count(b"\n", 0, found.start())
            raise InputFileError(
                f"{origin}: line {line} holds bytes that are neither UTF-8 nor Windows-1252"
                " text; save the export again as CSV UTF-8"
            )
        lines += chunk.count(b"\n")


def sniff_delimiter(header_line: str) -> str:
    """Return the delimiter that splits the header line most often (quoted text does not count)."""
    counts = dict.fromkeys(DELIMITERS, 0)
    quoted = False
    for char in header_line:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in counts:
            counts[char] += 1
    best = max(DELIMITERS, key=lambda delimiter: counts[delimiter])
    return best if counts[best] else ","

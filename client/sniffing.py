"""Work out how a CSV export was written: its encoding and its delimiter.

Dutch Excel writes Windows-1252 or UTF-8 (with a BOM for "CSV UTF-8") and uses ``;`` as its
delimiter; other tools write ``,`` or tab. Both are detected, never asked of the analyst.
"""

from __future__ import annotations

import codecs
import re
from collections import Counter
from pathlib import Path
from typing import IO

from client.errors import InputFileError

DELIMITERS = (",", ";", "\t")
CHUNK_BYTES = 256 * 1024
#: the five bytes Windows-1252 leaves undefined
_NOT_CP1252 = re.compile(rb"[\x81\x8d\x8f\x90\x9d]")


def detect_encoding(path: Path) -> str:
    """Return 'utf-8-sig' or 'utf-16' for their BOM, 'utf-8' if every byte decodes as UTF-8,
    else 'cp1252'. ("Unicode text" from Excel is UTF-16 with a BOM.)

    InputFileError names the line of a byte that is neither (never the line's content).
    """
    decoder = codecs.getincrementaldecoder("utf-8")()
    with path.open("rb") as handle:
        head = handle.read(len(codecs.BOM_UTF8))
        if head == codecs.BOM_UTF8:
            return "utf-8-sig"
        if head[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
            return "utf-16"  # the codec reads the BOM and takes its byte order
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


def sniff_delimiter_of_lines(lines: list[str]) -> str:
    """Return the delimiter that splits the most of the first lines into equally many cells.

    A title line above the header ("Overzicht signalen, 2025") splits differently from the rows
    below it, and so does a cell holding another delimiter; the table's own delimiter is the
    one that gives the same count on most lines (ties: the higher count, then , ; tab).
    """
    best, best_score = ",", (0, 0)
    for delimiter in DELIMITERS:
        counts = Counter(_unquoted_count(line, delimiter) for line in lines)
        counts.pop(0, None)
        if not counts:
            continue
        modal, lines_sharing = max(counts.items(), key=lambda item: (item[1], item[0]))
        if (lines_sharing, modal) > best_score:
            best, best_score = delimiter, (lines_sharing, modal)
    return best


def _unquoted_count(line: str, delimiter: str) -> int:
    count = 0
    quoted = False
    for char in line:
        if char == '"':
            quoted = not quoted
        elif char == delimiter and not quoted:
            count += 1
    return count

"""Agreement and refusal rates of the normalizers on the table of clerical spellings.

    python benchmarks/spellings.py [--show]

Agreement: the share of spellings that give the same canonical form as the plainest spelling
of their group. Refusal: the share of invalid cells (placeholders, two identifiers in one value,
implausible dates of birth, lost letters) that the single-value normalizer refuses. The table is
tests/client/clerical_spellings.py. Run it against another checkout by putting that checkout first
on PYTHONPATH (the table is read from this file's repository).
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

from client.errors import NormalizationError
from client.normalizers import NORMALIZATION_VERSION, normalize

TABLE = Path(__file__).resolve().parents[1] / "tests" / "client" / "clerical_spellings.py"


def load_table() -> ModuleType:
    """Import the table by its path, whichever checkout the normalizers come from."""
    spec = importlib.util.spec_from_file_location("spellings", TABLE)
    if spec is None or spec.loader is None:
        raise SystemExit(f"cannot read {TABLE}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def outcome(kind: str, raw: str, context: dict[str, str]) -> str:
    try:
        return normalize(kind, raw, **context)
    except NormalizationError as error:
        return f"refused: {error.rule}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show", action="store_true", help="list the spellings that fail")
    show = parser.parse_args().show
    table = load_table()
    agreed = spellings = 0
    for kind, context, group in table.SAME:
        if kind == "person" and context.get("dob"):
            expected = outcome(kind, "Ana Popescu", {"dob": "1990-03-07"})
        else:
            expected = outcome(kind, group[0], context)
        for raw in group:
            spellings += 1
            got = outcome(kind, raw, context)
            agreed += got == expected and not got.startswith("refused")
            if show and (got != expected or got.startswith("refused")):
                print(f"  disagrees  {kind:<8} {raw!r} {context or ''} -> {got}")
    refused = 0
    for kind, context, raw in table.INVALID:
        got = outcome(kind, raw, context)
        refused += got.startswith("refused")
        if show and not got.startswith("refused"):
            print(f"  accepted   {kind:<8} {raw!r} {context or ''} -> {got}")
    print(f"normalization {NORMALIZATION_VERSION}, table {TABLE.name}")
    print(f"agreement {agreed}/{spellings} = {agreed / spellings:.1%}")
    print(f"refusal   {refused}/{len(table.INVALID)} = {refused / len(table.INVALID):.1%}")


if __name__ == "__main__":
    sys.exit(main())

"""Saved column mappings per export type, so the next export of a type is mapped at once.

A JSON file (mode 0600) of {export type: choice}; it holds header names and roles, no cell.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path

from client.app.choices import MappingChoice

MAX_NAME = 80


def load(path: Path) -> dict[str, MappingChoice]:
    """Return the saved choices by export type; an unreadable file counts as none saved."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {
        str(name): MappingChoice.from_dict(choice)
        for name, choice in data.items()
        if isinstance(choice, dict)
    }


def save(path: Path, name: str, choice: MappingChoice) -> None:
    """Save a choice under an export type's name, replacing one of the same name."""
    name = " ".join(name.split())[:MAX_NAME]
    if not name:
        raise ValueError("an export type needs a name")
    saved = load(path)
    saved[name] = choice
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    aside = path.with_name(f".{path.name}.tmp")
    descriptor = os.open(aside, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        json.dump({key: value.as_dict() for key, value in sorted(saved.items())}, handle, indent=2)
    os.replace(aside, path)


def best_for(path: Path, headers: Sequence[str]) -> tuple[str, MappingChoice] | None:
    """Return the saved export type that fits these headers best, if any fits."""
    fitting = [(choice.fits(headers), name, choice) for name, choice in load(path).items()]
    fitting = [item for item in fitting if item[0] > 0]
    if not fitting:
        return None
    _, name, choice = max(fitting, key=lambda item: (item[0], item[1]))
    return name, choice

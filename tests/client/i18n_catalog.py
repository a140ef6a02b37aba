"""The messages the client's catalogue must hold, found in the code: run to print them.

Three sources: ``_("...")`` calls in ``client/`` (read from the syntax tree), every help text of
the ``kruispunt`` command tree, and the words of click's own that an analyst sees. Update the
catalogue after changing a message::

    .venv/bin/python tests/client/i18n_catalog.py > /tmp/kruispunt.pot   # the messages, as a .pot
    # translate the new ones in client/locale/nl/LC_MESSAGES/kruispunt.po, then:
    .venv/bin/pybabel compile -D kruispunt -d client/locale
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "client" / "app"
#: messages passed to _() through a name rather than as a literal
INDIRECT = (
    "API token",
    "key-service API token",
    "Fetch the current key file from the federation's key custodian, point --key-file or"
    " KRUISPUNT_KEY_FILE at it, and prepare the export again.",
)
#: click's own words as an analyst meets them
CLICK = (
    "Usage:",
    "Options",
    "Commands",
    "Show this message and exit.",
    "Show the version and exit.",
    "Error: {message}",
    "Try '{command} {option}' for help.",
    "Missing argument",
    "Missing option",
    "Missing command.",
    "Missing parameter",
    "Invalid value for {param_hint}: {message}",
    "Invalid value: {message}",
    "No such command {name!r}.",
    "No such option: {name}",
    "Got unexpected extra argument ({args})",
    "Aborted!",
    "default: {default}",
    "env var: {var}",
    "required",
    "{value!r} is not {choice}.",
    "{value!r} is not one of {choices}.",
    "{value!r} is not a valid integer.",
    "{value!r} is not a valid float.",
    "{value} is not in the range {range}.",
    "{name} {filename!r} does not exist.",
    "{name} {filename!r} is a directory.",
    "File",
    "Directory",
    "Path",
    "Did you mean {possibility}?",
    "%(prog)s, version %(version)s",
)


def code_messages() -> Iterator[str]:
    """Yield the literal first argument of every _() call in the client package."""
    for path in sorted((ROOT / "client").rglob("*.py")):
        if APP in path.parents:
            continue  # the web app has its own per-request catalogue: tests/app/test_app_i18n.py
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "_"
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                yield node.args[0].value


def messages() -> list[str]:
    """Return every message the catalogue must translate, each once, in a stable order."""
    sys.path.insert(0, str(ROOT))
    from client.cli import main
    from client.cli.language import help_texts

    found = [*code_messages(), *help_texts(main), *INDIRECT, *CLICK]
    return list(dict.fromkeys(found))


def _quoted(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


if __name__ == "__main__":
    for message in messages():
        print(f'msgid {_quoted(message)}\nmsgstr ""\n')

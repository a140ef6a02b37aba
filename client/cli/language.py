"""Speak the analyst's language in every message and in ``--help``: Dutch or English.

The language is chosen before the command line is parsed (``--lang``, else env
``KRUISPUNT_LANG``, else the locale: ``LANG=nl_NL.UTF-8`` gives Dutch), so help texts, click's
own words ("Usage:", "Missing option") and the commands' messages all come from the same
catalogue (``client/locale``). Help texts are kept as written and translated per run, so one
process can answer in both languages one after the other (tests do).
"""

from __future__ import annotations

import gettext
import os
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import click

from client import i18n

ENV_LANG = "KRUISPUNT_LANG"
_SOURCE = "_kruispunt_source_text"


def requested_language(args: Sequence[str], environ: Mapping[str, str] = os.environ) -> str:
    """Return the language named by ``--lang`` in args, else by env, else by the locale."""
    for index, arg in enumerate(args):
        if arg == "--":
            break
        if arg == "--lang" and index + 1 < len(args):
            return _known(args[index + 1])
        if arg.startswith("--lang="):
            return _known(arg.partition("=")[2])
    if environ.get(ENV_LANG):
        return _known(environ[ENV_LANG])
    return i18n.language_from_environment(environ)


def _known(code: str) -> str:
    code = code.strip().lower()[:2]
    return code if code in i18n.LANGUAGES else i18n.DEFAULT_LANGUAGE


def commands(root: click.Command) -> Iterator[click.Command]:
    """Yield a command and every command below it."""
    yield root
    if isinstance(root, click.Group):
        for child in root.commands.values():
            yield from commands(child)


def _translate(item: Any, attributes: Sequence[str]) -> None:
    source: dict[str, Any] = item.__dict__.setdefault(_SOURCE, {})
    for attribute in attributes:
        text = source.setdefault(attribute, getattr(item, attribute, None))
        if isinstance(text, str) and text:
            setattr(item, attribute, i18n._(text))


def translate_help(root: click.Command) -> None:
    """Put every help text of the command tree into the active language."""
    for command in commands(root):
        _translate(command, ("help", "short_help", "epilog"))
        for param in command.params:
            _translate(param, ("help",))


def help_texts(root: click.Command) -> Iterator[str]:
    """Yield every help text of the command tree as written (for the catalogue's check)."""
    translate_help(root)  # records the source texts
    for command in commands(root):
        for item in (command, *command.params):
            for text in item.__dict__.get(_SOURCE, {}).values():
                if isinstance(text, str) and text:
                    yield text


@contextmanager
def speaking(language: str, root: click.Command) -> Iterator[None]:
    """Run a command in a language: our messages, help texts and click's own words."""
    before = i18n.active_language()
    saved_env = os.environ.get("LANGUAGE")
    i18n.activate(language)
    translate_help(root)
    # click asks the stdlib's gettext: its current domain, in the language of env LANGUAGE
    saved_domain = gettext.textdomain()
    gettext.bindtextdomain(i18n.DOMAIN, str(i18n.LOCALE_DIR))
    gettext.textdomain(i18n.DOMAIN)
    os.environ["LANGUAGE"] = language
    try:
        yield
    finally:
        if saved_env is None:
            os.environ.pop("LANGUAGE", None)
        else:
            os.environ["LANGUAGE"] = saved_env
        gettext.textdomain(saved_domain)
        i18n.activate(before)
        translate_help(root)


class LocalizedGroup(click.Group):
    """The root command: chooses the language before parsing, then runs as usual."""

    def main(self, args: Sequence[str] | None = None, *rest: Any, **extra: Any) -> Any:
        import sys

        arguments = list(sys.argv[1:] if args is None else args)
        with speaking(requested_language(arguments), self):
            return super().main(arguments, *rest, **extra)

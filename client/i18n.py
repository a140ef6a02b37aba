"""The language the client speaks to the analyst: Dutch or English, through gettext catalogues.

The catalogues are ``client/locale/<lang>/LC_MESSAGES/kruispunt.po``, compiled to ``.mo`` files
that ship with the package (``tests/client/test_i18n.py`` fails when a ``.mo`` is older than its
``.po``). English is the source language. The language comes from ``--lang``, else from the
locale environment as gettext reads it (``LANGUAGE``, ``LC_ALL``, ``LC_MESSAGES``, ``LANG``;
``C`` and ``POSIX`` name no language), else English.
"""

from __future__ import annotations

import gettext
import os
from collections.abc import Mapping
from pathlib import Path

DOMAIN = "kruispunt"
LOCALE_DIR = Path(__file__).parent / "locale"
LANGUAGES = ("en", "nl")
DEFAULT_LANGUAGE = "en"
_ENVIRONMENT = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")

_active: gettext.NullTranslations = gettext.NullTranslations()
_language = DEFAULT_LANGUAGE


def language_from_environment(environ: Mapping[str, str] = os.environ) -> str:
    """Return 'nl' or 'en' from the locale variables, the first one that names a language."""
    for name in _ENVIRONMENT:
        for part in environ.get(name, "").split(":"):
            code = part.split(".")[0].split("@")[0].split("_")[0].split("-")[0].lower()
            if code and code not in ("c", "posix"):
                return code if code in LANGUAGES else DEFAULT_LANGUAGE
    return DEFAULT_LANGUAGE


def translations(language: str) -> gettext.NullTranslations:
    """Return the catalogue of a language (English: the messages as written)."""
    if language == DEFAULT_LANGUAGE:
        return gettext.NullTranslations()
    return gettext.translation(DOMAIN, LOCALE_DIR, languages=[language], fallback=True)


def activate(language: str) -> None:
    """Speak this language from now on ('nl' or 'en'); ValueError for another."""
    global _active, _language
    if language not in LANGUAGES:
        raise ValueError(f"the client speaks {', '.join(LANGUAGES)}")
    _active = translations(language)
    _language = language


def active_language() -> str:
    """Return the language messages are translated into now."""
    return _language


def _(message: str) -> str:
    """Return message in the active language."""
    return _active.gettext(message)


def ngettext(singular: str, plural: str, count: int) -> str:
    """Return the singular or plural message for count, in the active language."""
    return _active.ngettext(singular, plural, count)

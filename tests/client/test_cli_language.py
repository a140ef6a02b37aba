"""The command speaks Dutch when the analyst's locale or ``--lang nl`` says so, English otherwise;
the catalogue covers every message and every help text, and its compiled form is up to date."""

from __future__ import annotations

import gettext
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from i18n_catalog import messages

from client import i18n
from client.cli import main
from client.cli.language import requested_language

PO = i18n.LOCALE_DIR / "nl" / "LC_MESSAGES" / "kruispunt.po"
MO = PO.with_suffix(".mo")
CLEAN_LOCALE = {"LANGUAGE": None, "LC_ALL": None, "LC_MESSAGES": None, "KRUISPUNT_LANG": None}


def kruispunt(*args: str, lang: str = "C.UTF-8", **env: str | None) -> Result:
    return CliRunner().invoke(main, list(args), env={**CLEAN_LOCALE, "LANG": lang, **env})


def test_the_catalogue_translates_every_message_and_help_text() -> None:
    with MO.open("rb") as handle:
        catalogue = gettext.GNUTranslations(handle)
    untranslated = [text for text in messages() if catalogue.gettext(text) == text]

    assert untranslated == []


def test_the_compiled_catalogue_matches_its_source() -> None:
    babel = pytest.importorskip("babel.messages.pofile")
    with PO.open("rb") as handle:
        source = babel.read_po(handle)
    with MO.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)

    stale = [item.id for item in source if item.id and compiled.gettext(item.id) != item.string]
    assert stale == [], "run: pybabel compile -D kruispunt -d client/locale"


@pytest.mark.parametrize(
    ("environ", "language"),
    [
        ({"LANG": "nl_NL.UTF-8"}, "nl"),
        ({"LANG": "nl_BE.UTF-8"}, "nl"),
        ({"LC_ALL": "C.UTF-8", "LANG": "nl_NL.UTF-8"}, "nl"),
        ({"LC_ALL": "en_GB.UTF-8", "LANG": "nl_NL.UTF-8"}, "en"),
        ({"LANGUAGE": "nl:en", "LANG": "en_US.UTF-8"}, "nl"),
        ({"LANG": "de_DE.UTF-8"}, "en"),
        ({}, "en"),
        ({"KRUISPUNT_LANG": "nl", "LANG": "en_US.UTF-8"}, "nl"),
    ],
)
def test_the_language_follows_the_locale(environ: dict[str, str], language: str) -> None:
    assert requested_language([], environ) == language


def test_lang_option_wins_over_the_locale() -> None:
    assert requested_language(["--lang", "en", "prepare"], {"LANG": "nl_NL.UTF-8"}) == "en"
    assert requested_language(["--lang=nl"], {}) == "nl"


def test_help_is_dutch_under_a_dutch_locale_and_english_otherwise() -> None:
    dutch = kruispunt("prepare", "--help", lang="nl_NL.UTF-8")
    english = kruispunt("prepare", "--help")

    assert dutch.exit_code == english.exit_code == 0, dutch.output
    assert "Gebruik: main prepare [OPTIONS] EXPORT" in dutch.stdout
    assert "Pseudonimiseer EXPORT" in dutch.stdout
    assert "Rij met de kolomnamen" in dutch.stdout
    assert "Usage: main prepare [OPTIONS] EXPORT" in english.stdout
    assert "Pseudonymize EXPORT" in english.stdout


def test_messages_are_dutch_with_lang_nl_and_english_again_afterwards() -> None:
    dutch = kruispunt("--lang", "nl", "withdraw")
    english = kruispunt("withdraw")

    assert dutch.exit_code == english.exit_code == 2
    assert "Fout: noem wat u wilt intrekken" in dutch.stderr
    assert "Error: name what to withdraw" in english.stderr
    assert i18n.active_language() == "en"


def test_a_dutch_report_counts_every_row(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from client.keys import generate_key, save_key

    save_key(generate_key(), tmp_path / "key.json")
    (tmp_path / "export.csv").write_text("telefoon\n0612345678\nonzin\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)

    result = kruispunt(
        "prepare", "export.csv", "--dry-run", "--column", "telefoon=telefoon",
        "--category", "melding", lang="nl_NL.UTF-8", KRUISPUNT_KEY_FILE=str(tmp_path / "key.json"),
        KRUISPUNT_LEDGER=str(tmp_path / "ledger.sqlite3"),
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    assert "2 rijen gelezen: 1 voorbereid als signaal, 1 afgewezen" in result.stderr
    assert "rij 3, kolom 'telefoon':" in result.stderr
    assert "Proefdraaien: er is niets geschreven" in result.stderr

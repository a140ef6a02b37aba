"""Options and helpers the ``kruispunt`` commands share: mapping, key, ledger, matcher, errors.

Secrets never come from an option: the federation key from a file or env (see ``client.keys``),
the API token from env ``KRUISPUNT_API_TOKEN`` or ``--token-file``.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import click

from client.errors import ClientError, InputFileError, StaleKeyError
from client.http import MatcherClient
from client.i18n import _
from client.ledger import Ledger, default_ledger_path
from client.mapping import ColumnMapping, parse_category, parse_column_option
from client.mapping_file import load_mapping_file
from client.wire import Category

ENV_TOKEN = "KRUISPUNT_API_TOKEN"  # noqa: S105 (a variable name, not a secret)
ENV_MATCHER = "KRUISPUNT_MATCHER"
ENV_SCHEME = "KRUISPUNT_SCHEME"
ENV_KEYSERVICE = "KRUISPUNT_KEYSERVICE"
ENV_KEYSERVICE_PUBLIC_KEY = "KRUISPUNT_KEYSERVICE_PUBLIC_KEY"
F = TypeVar("F", bound=Callable[..., Any])
_FILE = click.Path(dir_okay=False, path_type=Path)
_EXISTING = click.Path(exists=True, dir_okay=False, path_type=Path)
STALE_KEY_HINT = (
    "Fetch the current key file from the federation's key custodian, point --key-file or"
    " KRUISPUNT_KEY_FILE at it, and prepare the export again."
)


def _stack(*decorators: Callable[[F], F]) -> Callable[[F], F]:
    def apply(function: F) -> F:
        for decorator in reversed(decorators):
            function = decorator(function)
        return function

    return apply


mapping_options = _stack(
    click.option("--mapping", "mapping_file", type=_EXISTING, help="TOML mapping file."),
    click.option(
        "--column",
        "columns",
        multiple=True,
        metavar="COLUMN=KIND",
        help="Map a column to a kind (phone, address, operator, person, email, iban, ...).",
    ),
    click.option(
        "--phone-region",
        "phone_regions",
        multiple=True,
        metavar="[COLUMN=]REGION",
        help="Country (e.g. RO) of nationally written numbers, in every or one phone column.",
    ),
    click.option("--phone-region-column", metavar="COLUMN", help="Column with a region per row."),
    click.option("--dob-column", metavar="COLUMN", help="Date of birth, combined with persons."),
    click.option("--case-column", metavar="COLUMN", help="Your own case number (kept locally)."),
    click.option(
        "--category",
        metavar="CATEGORY",
        help=f"Where the signals come from: {', '.join(Category)}.",
    ),
    click.option("--category-column", metavar="COLUMN", help="Column with a category per row."),
    click.option("--observed-column", metavar="COLUMN", help="Observation date (default: today)."),
    click.option(
        "--retention-days", type=click.IntRange(min=1), help="Days to keep a signal (default 365)."
    ),
    click.option("--sheet", metavar="NAME", help="Worksheet of an .xlsx export (default: first)."),
    click.option(
        "--header-row",
        type=click.IntRange(min=1),
        metavar="N",
        help="Row that names the columns (default: found below any title rows).",
    ),
)

ledger_option = click.option(
    "--ledger", "ledger_path", type=_FILE, help="Local ledger (or env KRUISPUNT_LEDGER)."
)

scheme_options = _stack(
    click.option(
        "--scheme",
        type=click.Choice(["hmac", "oprf"]),
        default="hmac",
        show_default=True,
        envvar=ENV_SCHEME,
        help=f"hmac: the federation key file; oprf: the key service (or env {ENV_SCHEME}).",
    ),
    click.option(
        "--keyservice", envvar=ENV_KEYSERVICE, metavar="URL", help="Key service (--scheme oprf)."
    ),
    click.option(
        "--public-key",
        type=_EXISTING,
        envvar=ENV_KEYSERVICE_PUBLIC_KEY,
        help=f"The key service's published public key file (or env {ENV_KEYSERVICE_PUBLIC_KEY}).",
    ),
    click.option(
        "--keyservice-token-file",
        type=_EXISTING,
        help="Key-service API token file (or env KRUISPUNT_KEYSERVICE_TOKEN).",
    ),
)

preparation_options = _stack(
    click.option("--key-file", type=_FILE, help="Federation key file (or env KRUISPUNT_KEY_FILE)."),
    scheme_options,
    ledger_option,
    click.option("--workers", type=click.IntRange(min=1), help="Processes (default: all cores)."),
    click.option(
        "--progress/--no-progress", default=None, help="Progress bar (default: on a TTY)."
    ),
    click.option("--rejects", type=_FILE, help="Write rejected rows as CSV (row, column, rule)."),
)

matcher_options = _stack(
    click.option("--matcher", envvar=ENV_MATCHER, metavar="URL", help="Matcher address (https)."),
    click.option("--token-file", type=_EXISTING, help=f"API token file (or env {ENV_TOKEN})."),
    click.option("--timeout", type=click.FloatRange(min=1), default=30.0, show_default=True),
    click.option("--retries", type=click.IntRange(min=0), default=4, show_default=True),
)


def build_mapping(options: dict[str, Any]) -> ColumnMapping:
    """Combine a mapping file with the mapping options (options win); usage error if invalid."""
    try:
        file = options.get("mapping_file")
        base = load_mapping_file(file) if file is not None else ColumnMapping()
        category = options.get("category")
        return base.with_options(
            columns=[parse_column_option(text) for text in options.get("columns", ())],
            phone_regions=list(options.get("phone_regions", ())),
            region_column=options.get("phone_region_column"),
            dob_column=options.get("dob_column"),
            case_column=options.get("case_column"),
            category=parse_category(category) if category is not None else None,
            category_column=options.get("category_column"),
            observed_column=options.get("observed_column"),
            retention_days=options.get("retention_days"),
        )
    except InputFileError as error:
        raise click.UsageError(str(error)) from None


def open_ledger(path: Path | None) -> Ledger:
    """Open the ledger named by the option, env KRUISPUNT_LEDGER, or the default place."""
    with failures():
        return Ledger(path if path is not None else default_ledger_path())


def read_token(
    token_file: Path | None,
    environ: dict[str, str] | None = None,
    *,
    env: str = ENV_TOKEN,
    option: str = "--token-file",
    what: str = "API token",
) -> str:
    """Return a token from the file, else from the env variable; never from an option."""
    environ = environ if environ is not None else dict(os.environ)
    if token_file is not None:
        mode = token_file.stat().st_mode
        if os.name == "posix" and mode & (stat.S_IRWXG | stat.S_IRWXO):
            click.echo(
                _("Warning: {file} is readable by others: chmod 600 it").format(file=token_file),
                err=True,
            )
        token = token_file.read_text(encoding="utf-8").strip()
    else:
        token = environ.get(env, "").strip()
    if not token:
        raise click.UsageError(
            _("no {what}: set {env} or give {option}").format(what=_(what), env=env, option=option)
        )
    return token


def matcher_client(options: dict[str, Any]) -> MatcherClient:
    """Build the matcher client from the matcher options."""
    if not options.get("matcher"):
        raise click.UsageError(
            _("name the matcher: --matcher URL or env {env}").format(env=ENV_MATCHER)
        )
    token = read_token(options.get("token_file"))
    # Whoever runs the CLI in-process may hand it a transport: main(args, obj={"transport": t}).
    context = click.get_current_context(silent=True)
    settings = context.find_root().obj if context is not None else None
    transport = settings.get("transport") if isinstance(settings, dict) else None
    with failures():
        return MatcherClient(
            options["matcher"],
            api_token=token,
            transport=transport,
            timeout=options["timeout"],
            retries=options["retries"],
        )


def stale_key_message(error: StaleKeyError) -> str:
    """Say that the key was refused, and what to do unless the matcher already said it."""
    message = _("the matcher refused the key: {error}").format(error=error)
    return message if "custodian" in str(error) else f"{message}\n{_(STALE_KEY_HINT)}"


@contextmanager
def failures() -> Iterator[None]:
    """Turn the client's expected errors into a short message and exit code 1, no traceback."""
    try:
        yield
    except StaleKeyError as error:
        raise click.ClickException(stale_key_message(error)) from None
    except ClientError as error:
        raise click.ClickException(str(error)) from None

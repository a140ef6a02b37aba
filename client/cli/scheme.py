"""Choose the pseudonymization scheme for ``prepare`` and ``submit``: ``hmac`` or ``oprf``.

``hmac`` needs the federation key file. ``oprf`` needs no key on this machine: the federation's
key service evaluates blinded inputs, pinned to the public key file the federation published.
Its API token, like every secret, comes from env or a file, never from an option.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click
import httpx

from client.cli.key import load_key_interactively
from client.cli.options import ENV_KEYSERVICE, ENV_KEYSERVICE_PUBLIC_KEY, read_token
from client.errors import QuotaExceeded
from client.i18n import _
from client.schemes.base import Scheme
from client.wire import SchemeName

ENV_KEYSERVICE_TOKEN = "KRUISPUNT_KEYSERVICE_TOKEN"  # noqa: S105 (a variable name, not a secret)


def build_scheme(
    options: dict[str, Any], *, transport: httpx.BaseTransport | None = None
) -> Scheme:
    """Return the scheme the options name; usage error if what it needs is missing."""
    if SchemeName(options.get("scheme") or SchemeName.HMAC.value) is SchemeName.HMAC:
        return load_key_interactively(options.get("key_file")).scheme_instance()
    if not options.get("keyservice"):
        raise click.UsageError(
            _("--scheme oprf needs the key service: --keyservice URL or env {env}").format(
                env=ENV_KEYSERVICE
            )
        )
    if options.get("public_key") is None:
        raise click.UsageError(
            _(
                "--scheme oprf needs the federation's published key-service public key:"
                " --public-key FILE or env {env}"
            ).format(env=ENV_KEYSERVICE_PUBLIC_KEY)
        )
    token = read_token(
        options.get("keyservice_token_file"),
        env=ENV_KEYSERVICE_TOKEN,
        option="--keyservice-token-file",
        what="key-service API token",
    )
    from client.schemes.oprf import OprfScheme  # loads libsodium: only in this scheme

    return OprfScheme.from_public_key_file(
        options["public_key"], options["keyservice"], api_token=token, transport=transport
    )


def _injected_transport() -> httpx.BaseTransport | None:
    # Whoever runs the CLI in-process may hand it one: main(args, obj={"keyservice_transport": t}).
    context = click.get_current_context(silent=True)
    settings = context.find_root().obj if context is not None else None
    transport = settings.get("keyservice_transport") if isinstance(settings, dict) else None
    return transport if isinstance(transport, httpx.BaseTransport) else None


@contextmanager
def open_scheme(options: dict[str, Any]) -> Iterator[Scheme]:
    """Yield the chosen scheme, close its connections afterwards, explain an exhausted quota."""
    scheme = build_scheme(options, transport=_injected_transport())
    try:
        yield scheme
    except QuotaExceeded as error:
        raise click.ClickException(quota_message(error)) from None
    finally:
        close = getattr(scheme, "close", None)  # a remote scheme holds connections
        if callable(close):
            close()


def quota_message(error: QuotaExceeded, *, now: dt.datetime | None = None) -> str:
    """Say that the key service stopped evaluating, when it resets, and that nothing was kept."""
    resets_at: dt.datetime | None = getattr(error, "resets_at", None)
    if resets_at is None:
        when = _("The key service did not say when the quota resets")
    else:
        now = now or dt.datetime.now(dt.UTC)
        if resets_at.tzinfo is None:  # the service speaks UTC; a bare time is read as such
            resets_at = resets_at.replace(tzinfo=dt.UTC)
        resets_at = resets_at.astimezone(dt.UTC)
        minutes = max(1, round((resets_at - now).total_seconds() / 60))
        hours, rest = divmod(minutes, 60)
        wait = f"{hours} h {rest} min" if hours else f"{minutes} min"
        when = _("The quota resets at {time} UTC (in about {wait})").format(
            time=f"{resets_at:%Y-%m-%d %H:%M}", wait=wait
        )
    return f"{error}\n{when}. " + _(
        "Nothing was written or recorded: run the same command again after that"
        " (or ask the key service operator for a higher quota)."
    )

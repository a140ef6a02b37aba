"""``kruispunt key``: generate, inspect, rotate and split the federation key.

No option ever takes the secret or a passphrase: the key comes from a file or env
``KRUISPUNT_KEY``/``KRUISPUNT_KEY_FILE``, a passphrase from env ``KRUISPUNT_KEY_PASSPHRASE`` or a
hidden prompt.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from client import custody
from client.errors import KeyFileError
from client.i18n import _
from client.keys import (
    ENV_PASSPHRASE,
    FederationKey,
    InsecureKeyFileWarning,
    generate_key,
    load_key,
    passphrase_bytes,
    save_key,
)

_KEYFILE = click.Path(dir_okay=False, path_type=Path)
_ENCRYPT_HELP = f"Protect the key file with a passphrase (prompted, or env {ENV_PASSPHRASE})."


@contextmanager
def key_errors() -> Iterator[None]:
    """Turn key failures into a clean CLI error and show key file warnings to the analyst."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", InsecureKeyFileWarning)
        try:
            yield
        except (KeyFileError, ValueError) as error:
            raise click.ClickException(str(error)) from None
        finally:
            for warning in caught:
                if issubclass(warning.category, InsecureKeyFileWarning):
                    click.echo(f"Warning: {warning.message}", err=True)
                else:  # not ours to show: hand it back to the warnings machinery
                    warnings.warn_explicit(
                        warning.message, warning.category, warning.filename, warning.lineno
                    )


def load_key_interactively(path: Path | None) -> FederationKey:
    """Load the key as every command should: file or env, passphrase from env or a hidden prompt."""

    def ask() -> bytes:
        return passphrase_bytes(str(click.prompt(_("Key passphrase"), hide_input=True)))

    with key_errors():
        return load_key(path, prompt=ask)


def _new_passphrase() -> bytes:
    """Take the new passphrase from env, else ask twice so a typo cannot lock the key away."""
    from_env = os.environ.get(ENV_PASSPHRASE)
    if from_env:
        return passphrase_bytes(from_env)
    answer = click.prompt(
        _("New passphrase"), hide_input=True, confirmation_prompt=_("Repeat the new passphrase")
    )
    return passphrase_bytes(str(answer))


def _write(key: FederationKey, out: Path, *, encrypt: bool, force: bool) -> None:
    passphrase = _new_passphrase() if encrypt else None
    with key_errors():
        save_key(key, out, passphrase=passphrase, overwrite=force)
    state = _("encrypted") if encrypt else _("NOT encrypted: keep it on an encrypted disk")
    click.echo(_("Wrote {out} (mode 0600, {state})").format(out=out, state=state))
    _describe(key)


def _describe(key: FederationKey) -> None:
    click.echo(f"scheme: {key.scheme}")
    click.echo(f"epoch: {key.epoch}")
    click.echo(f"fingerprint: {key.fingerprint}")
    click.echo(f"created: {key.created.isoformat()}")


@click.group()
def key() -> None:
    """Manage the federation key of the shared-key (hmac) scheme."""


@key.command()
@click.argument("out", type=_KEYFILE)
@click.option("--epoch", type=click.IntRange(min=1), default=1, show_default=True)
@click.option("--encrypt", is_flag=True, help=_ENCRYPT_HELP)
@click.option("--force", is_flag=True, help="Replace OUT if it exists.")
def generate(out: Path, epoch: int, encrypt: bool, force: bool) -> None:
    """Generate a new random federation key into the key file OUT."""
    _write(generate_key(epoch=epoch), out, encrypt=encrypt, force=force)
    click.echo(
        _(
            "Next: ask the matcher's administrator to register this fingerprint, and hand the key"
            " to the federation's agencies through the custodians."
        )
    )


@key.command()
@click.argument("keyfile", type=_KEYFILE, required=False)
def fingerprint(keyfile: Path | None) -> None:
    """Verify a key and show its fingerprint.

    The key is KEYFILE, else the file named by env KRUISPUNT_KEY_FILE, else env KRUISPUNT_KEY.
    """
    _describe(load_key_interactively(keyfile))


@key.command()
@click.argument("keyfile", type=_KEYFILE)
@click.argument("out", type=_KEYFILE)
@click.option("--encrypt", is_flag=True, help=_ENCRYPT_HELP)
@click.option("--force", is_flag=True, help="Replace OUT if it exists.")
def rotate(keyfile: Path, out: Path, encrypt: bool, force: bool) -> None:
    """Generate the next epoch's key into OUT.

    The new key follows the one in KEYFILE; the command prints the steps of the switch-over.
    """
    old = load_key_interactively(keyfile)
    new = old.rotated()
    _write(new, out, encrypt=encrypt, force=force)
    click.echo(
        _(
            "Next: register fingerprint {new} (epoch {new_epoch}) at the matcher, give the new key"
            " to every agency, re-submit live signals with it, withdraw the old ones"
            " (kruispunt withdraw --epoch {old_epoch}), then ask the administrator to retire"
            " {old} (epoch {old_epoch})."
        ).format(new=new.fingerprint, new_epoch=new.epoch, old=old.fingerprint, old_epoch=old.epoch)
    )


@key.command()
@click.argument("keyfile", type=_KEYFILE)
@click.option("--threshold", "-k", type=click.IntRange(min=2), required=True)
@click.option("--shares", "-n", type=click.IntRange(min=2, max=custody.MAX_SHARES), required=True)
@click.option("--out-dir", type=click.Path(file_okay=False, path_type=Path), required=True)
def split(keyfile: Path, threshold: int, shares: int, out_dir: Path) -> None:
    """Split the key into custody shares.

    Writes one share file per custodian into --out-dir; any --threshold of them rebuild it.
    """
    if threshold > shares:
        raise click.BadParameter(_("must not exceed --shares"), param_hint="--threshold")
    federation_key = load_key_interactively(keyfile)
    with key_errors():
        paths = custody.write_shares(
            custody.split(federation_key, threshold=threshold, shares=shares), out_dir
        )
    for path in paths:
        click.echo(_("Wrote {path}").format(path=path))
    click.echo(
        _(
            "Give each file to a different custodian; any {threshold} of {shares} rebuild the key"
            " with 'kruispunt key combine'."
        ).format(threshold=threshold, shares=shares)
    )


@key.command()
@click.argument(
    "share_files",
    metavar="SHARE...",
    nargs=-1,
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
)
@click.option("--out", type=_KEYFILE, required=True, help="Key file to write.")
@click.option("--encrypt", is_flag=True, help=_ENCRYPT_HELP)
@click.option("--force", is_flag=True, help="Replace OUT if it exists.")
def combine(share_files: tuple[Path, ...], out: Path, encrypt: bool, force: bool) -> None:
    """Rebuild the key from custodians' share files.

    Needs at least the threshold number of SHARE files; the result is checked against the
    key's fingerprint before it is written to --out.
    """
    with key_errors():
        rebuilt = custody.combine(custody.read_share(path) for path in share_files)
    _write(rebuilt, out, encrypt=encrypt, force=force)

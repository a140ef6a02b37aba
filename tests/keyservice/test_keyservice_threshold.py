"""A 2-of-3 split key over three real key services gives the tokens of the unsplit key."""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner
from flask import Flask

from client.errors import SchemeError
from client.oprf.messages import ThresholdKeyInfo, decode_element
from client.oprf.tokens import PROOF_FAILS
from client.schemes.base import MatchKey
from client.schemes.oprf import OprfScheme
from client.schemes.threshold import ShareService, ThresholdOprfScheme
from client.wire import Kind
from keyservice import agencies, db, keys, shares
from keyservice.commands import main

KEYS = [
    MatchKey(Kind.PHONE, "e164", "+31612345678"),
    MatchKey(Kind.ADDRESS, "unit", "1234AB-10-A"),
    MatchKey(Kind.KVK, "kvk", "12345678"),
]


class _Down(httpx.BaseTransport):
    def handle_request(self, request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)


def _token(app: Flask) -> str:
    with app.app_context(), db.get_engine().begin() as conn:
        return agencies.add_agency(conn, f"agency-{secrets.token_hex(4)}", daily_quota=1000)[1]


@pytest.fixture
def ceremony(keyservice_app: Flask, key_epoch: keys.KeyEpoch, tmp_path: Path) -> ThresholdKeyInfo:
    """Epoch 1's key split 2-of-3 on the key service that generated it."""
    with keyservice_app.app_context(), db.get_engine().connect() as conn:
        return shares.split_key(
            conn,
            Path(keyservice_app.config["KEYSERVICE_KEY_DIR"]),
            epoch=1,
            threshold=2,
            shares=3,
            out_dir=tmp_path / "handover",
        )


@pytest.fixture
def share_apps(
    make_keyservice: Callable[..., Flask], ceremony: ThresholdKeyInfo, tmp_path: Path
) -> dict[int, Flask]:
    """Three key services, each with its own database and key folder, each holding one share."""
    apps = {}
    for index in (1, 2, 3):
        folder = tmp_path / f"operator-{index}"
        app = make_keyservice(
            KEYSERVICE_DATABASE_URL=f"sqlite:///{folder}.sqlite",
            KEYSERVICE_KEY_DIR=str(folder / "keys"),
        )
        with app.app_context(), db.get_engine().begin() as conn:
            shares.import_key(
                conn, folder / "keys", shares.share_file(tmp_path / "handover", 1, index)
            )
        apps[index] = app
    return apps


def _services(
    apps: dict[int, Flask], document: ThresholdKeyInfo, down: tuple[int, ...] = ()
) -> list[ShareService]:
    return [
        ShareService(
            index=share.index,
            base_url=f"https://share-{share.index}",
            api_token=_token(apps[share.index]),
            public_key=decode_element(share.public_key),
            transport=_Down()
            if share.index in down
            else httpx.WSGITransport(app=apps[share.index]),
        )
        for share in document.shares
    ]


@pytest.fixture
def make_threshold(
    share_apps: dict[int, Flask], ceremony: ThresholdKeyInfo
) -> Iterator[Callable[..., ThresholdOprfScheme]]:
    made: list[ThresholdOprfScheme] = []

    def make(down: tuple[int, ...] = (), services: list[ShareService] | None = None) -> Any:
        scheme = ThresholdOprfScheme(
            services or _services(share_apps, ceremony, down),
            public_key=decode_element(ceremony.public_key),
            epoch=1,
            threshold=2,
            retry_backoff=0.0,
        )
        made.append(scheme)
        return scheme

    yield make
    for scheme in made:
        scheme.close()


def test_threshold_tokens_equal_the_unsplit_keys_tokens(
    make_threshold: Callable[..., ThresholdOprfScheme],
    keyservice_app: Flask,
    key_epoch: keys.KeyEpoch,
    ceremony: ThresholdKeyInfo,
) -> None:
    with OprfScheme(
        "https://whole",
        api_token=_token(keyservice_app),
        public_key=key_epoch.public_key,
        epoch=1,
        transport=httpx.WSGITransport(app=keyservice_app),
    ) as whole:
        expected = whole.tokenize(KEYS)
    scheme = make_threshold()
    assert scheme.tokenize(KEYS) == expected
    assert scheme.fingerprint == key_epoch.fingerprint == ceremony.fingerprint


@pytest.mark.parametrize("down", [(1,), (2,), (3,)])
def test_any_two_of_three_services_suffice(
    make_threshold: Callable[..., ThresholdOprfScheme], down: tuple[int, ...]
) -> None:
    assert make_threshold(down=down).tokenize(KEYS) == make_threshold().tokenize(KEYS)


def test_one_service_is_not_enough(make_threshold: Callable[..., ThresholdOprfScheme]) -> None:
    with pytest.raises(SchemeError, match="only 1 of the 2"):
        make_threshold(down=(1, 3)).tokenize(KEYS)


def test_a_service_evaluating_with_another_share_is_detected(
    make_threshold: Callable[..., ThresholdOprfScheme],
    share_apps: dict[int, Flask],
    ceremony: ThresholdKeyInfo,
    make_keyservice: Callable[..., Flask],
    tmp_path: Path,
) -> None:
    impostor = make_keyservice(
        KEYSERVICE_DATABASE_URL=f"sqlite:///{tmp_path / 'impostor.sqlite'}",
        KEYSERVICE_KEY_DIR=str(tmp_path / "impostor"),
    )
    with impostor.app_context(), db.get_engine().begin() as conn:
        keys.generate_key(conn, tmp_path / "impostor", epoch=1)
    services = _services(share_apps, ceremony)
    services[0] = ShareService(
        index=1,
        base_url="https://share-1",
        api_token=_token(impostor),
        public_key=services[0].public_key,
        transport=httpx.WSGITransport(app=impostor),
    )
    with pytest.raises(SchemeError, match="share 1"):
        make_threshold(services=services).tokenize(KEYS)
    with pytest.raises(SchemeError) as caught:
        make_threshold(services=services).tokenize(KEYS)
    assert PROOF_FAILS in str(caught.value)


def test_share_keys_that_do_not_make_the_federation_key_are_refused(
    make_threshold: Callable[..., ThresholdOprfScheme],
    share_apps: dict[int, Flask],
    ceremony: ThresholdKeyInfo,
) -> None:
    services = _services(share_apps, ceremony)
    # an operator claims share 3's key as share 2's: each proof verifies, the sum does not
    services[1] = ShareService(
        index=2,
        base_url="https://share-3",
        api_token=_token(share_apps[3]),
        public_key=services[2].public_key,
        transport=httpx.WSGITransport(app=share_apps[3]),
    )
    with pytest.raises(SchemeError, match="do not combine"):
        make_threshold(services=services[:2]).tokenize(KEYS)


def test_split_and_import_through_the_cli(
    keyservice_app: Flask,
    key_epoch: keys.KeyEpoch,
    make_keyservice: Callable[..., Flask],
    tmp_path: Path,
) -> None:
    result = CliRunner().invoke(
        main,
        [
            "key",
            "split",
            "--epoch",
            "1",
            "--threshold",
            "2",
            "--shares",
            "2",
            "--out",
            str(tmp_path / "out"),
        ],
        obj=keyservice_app,
        catch_exceptions=False,
    )
    assert result.exit_code == 0
    document = ThresholdKeyInfo.model_validate(json.loads(result.stdout))
    assert document.fingerprint == key_epoch.fingerprint and len(document.shares) == 2
    operator = make_keyservice(
        KEYSERVICE_DATABASE_URL=f"sqlite:///{tmp_path / 'op.sqlite'}",
        KEYSERVICE_KEY_DIR=str(tmp_path / "op-keys"),
    )
    imported = CliRunner().invoke(
        main, ["key", "import", str(tmp_path / "out" / "epoch-0001-share-2.key")], obj=operator
    )
    assert imported.exit_code == 0
    assert document.shares[1].fingerprint in imported.output

"""API tokens travel over https, or over plain http to this machine only: to either service."""

from __future__ import annotations

import pytest

from client.errors import SchemeError
from client.oprf.service import KeyServiceClient


@pytest.mark.parametrize("url", ["http://keyservice.example", "http://10.0.0.5:8443", "ftp://ks"])
def test_the_key_service_client_refuses_plain_http_to_another_machine(url: str) -> None:
    with pytest.raises(SchemeError, match="https://") as caught:
        KeyServiceClient(url, api_token="kpks_secret")

    assert "kpks_secret" not in str(caught.value)


@pytest.mark.parametrize(
    "url", ["https://keyservice.example", "http://127.0.0.1:5001", "http://localhost:5001"]
)
def test_the_key_service_client_accepts_https_and_this_machine(url: str) -> None:
    KeyServiceClient(url, api_token="kpks_secret").close()

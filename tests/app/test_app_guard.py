"""Who may use the app: the one-time link, local hosts only, CSRF, hardened responses."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Flask

from client.app import create_app
from client.app.export_pages import safe_filename
from client.app.pages import local_path
from client.keys import generate_key
from tests.app.conftest import START_TOKEN, Analyst, app_settings


@pytest.fixture
def plain_app(tmp_path: Path) -> Flask:
    """The app without a matcher: enough for everything that is not a submission."""
    return create_app(app_settings(tmp_path, generate_key(epoch=1), None), {"TESTING": True})


def test_the_start_link_works_once_and_then_never_again(plain_app: Flask) -> None:
    first, second = plain_app.test_client(), plain_app.test_client()

    assert first.get(f"/start/{START_TOKEN}").status_code == 302
    assert first.get("/").status_code == 200
    spent = second.get(f"/start/{START_TOKEN}")
    assert spent.status_code == 403
    assert "al gebruikt" in spent.get_data(as_text=True)
    assert second.get("/").status_code == 403


def test_a_wrong_start_token_does_not_spend_the_right_one(plain_app: Flask) -> None:
    client = plain_app.test_client()

    assert client.get("/start/guessed").status_code == 403
    assert client.get(f"/start/{START_TOKEN}").status_code == 302


@pytest.mark.parametrize("path", ["/", "/alerts", "/exports/anything", "/exports/x/columns"])
def test_pages_need_the_session_the_start_link_gives(plain_app: Flask, path: str) -> None:
    assert plain_app.test_client().get(path).status_code == 403


@pytest.mark.parametrize("host", ["evil.example", "127.0.0.1.evil.example", "10.0.0.5"])
def test_other_host_names_are_refused_against_dns_rebinding(plain_app: Flask, host: str) -> None:
    client = plain_app.test_client()
    client.get(f"/start/{START_TOKEN}")

    refused = client.get("/", headers={"Host": host})
    assert refused.status_code == 400
    assert "127.0.0.1 of localhost" in refused.get_data(as_text=True)
    assert client.get("/", headers={"Host": "localhost:5123"}).status_code == 200


def test_a_post_without_the_csrf_token_is_refused(plain_app: Flask) -> None:
    analyst = Analyst(plain_app.test_client())
    analyst.start()

    refused = analyst.client.post("/language", data={"lang": "en"})
    wrong = analyst.client.post("/language", data={"lang": "en", "csrf_token": "x" * 43})

    assert (refused.status_code, wrong.status_code) == (400, 400)
    assert analyst.post("/language", {"lang": "en"}).status_code == 302


def test_pages_are_never_cached_framed_or_sent_as_referrer(plain_app: Flask) -> None:
    analyst = Analyst(plain_app.test_client())
    analyst.start()

    headers = analyst.get("/").headers

    assert headers["Cache-Control"] == "no-store"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "no-referrer"
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    cookie = analyst.client.get_cookie("kruispunt-app")
    assert cookie is not None and cookie.http_only and cookie.same_site == "Strict"


@pytest.mark.parametrize(
    "target",
    ["//evil.example", "/\\evil.example", "https://evil.example/", "/%09/evil", "/\t/evil", "x"],
)
def test_the_language_switch_returns_only_to_a_local_path(plain_app: Flask, target: str) -> None:
    analyst = Analyst(plain_app.test_client())
    analyst.start()

    response = analyst.post("/language", {"lang": "en", "next": target})

    assert response.headers["Location"] in {"/", "/%09/evil"}
    assert local_path("/exports/abc/columns") == "/exports/abc/columns"


def test_an_upload_that_is_not_an_export_is_refused_before_it_is_kept(
    plain_app: Flask, tmp_path: Path
) -> None:
    analyst = Analyst(plain_app.test_client())
    analyst.start()
    import io

    response = analyst.post(
        "/exports",
        {"export": (io.BytesIO(b"MZ"), "../../setup.exe")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )

    assert "Alleen .csv- en .xlsx-bestanden" in response.get_data(as_text=True)
    assert list((tmp_path / "work").iterdir()) == []


def test_an_uploaded_file_keeps_its_name_inside_the_private_folder(
    plain_app: Flask, tmp_path: Path
) -> None:
    analyst = Analyst(plain_app.test_client())
    analyst.start()

    preview_url = analyst.upload(b"zaak;telefoon\nZ-1;0612345678\n", name="../Signalen mei.csv")

    (kept,) = (tmp_path / "work").glob("*/*")
    assert kept.name == "Signalen mei.csv"
    assert kept.stat().st_mode & 0o077 == 0
    assert kept.parent.stat().st_mode & 0o077 == 0
    assert re.fullmatch(r"/exports/[A-Za-z0-9_-]+", preview_url)


def test_a_long_file_name_is_shortened_but_keeps_its_suffix() -> None:
    name = safe_filename("x" * 300 + ".xlsx")

    assert name is not None and name.endswith(".xlsx") and len(name) == 125
    assert safe_filename("C:\\Users\\analist\\signalen.csv") == "signalen.csv"
    assert safe_filename(".verborgen.csv") == "verborgen.csv"
    assert safe_filename("signalen.exe") is None

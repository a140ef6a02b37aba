"""The dashboard on a phone (390 px) and a laptop (1280 px): no page scrolls sideways.

Tables that are wider than the screen scroll inside their own box; everything else wraps.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask

from tests.conftest import TEST_PASSWORD
from tests.dashboard import live
from tests.dashboard.conftest import World

pytestmark = live.BROWSER_MARKS
#: the page's width beyond the viewport, in CSS pixels
OVERFLOW = "document.documentElement.scrollWidth - document.documentElement.clientWidth"
PAGES = {
    "riec-midden": ["/alerts", "/alerts/{alert}", "/hubs", "/account"],
    "analist-utrecht": ["/my/alerts", "/my/signals", "/my/batches"],
    "beheer": ["/admin/users"],
    "fg": ["/audit"],
}


@pytest.fixture
def base_url(app: Flask, world: World) -> Iterator[str]:
    with live.serve(app) as url:
        yield url


@pytest.mark.parametrize("width", [390, 1280])
def test_no_page_scrolls_sideways(browser: Any, base_url: str, world: World, width: int) -> None:
    wide: dict[str, int] = {}
    anonymous = live.new_page(browser, base_url, width=width, height=844)
    anonymous.goto("/sign-in")
    wide["/sign-in"] = anonymous.evaluate(OVERFLOW)
    anonymous.context.close()
    for username, paths in PAGES.items():
        page = live.new_page(browser, base_url, width=width, height=844)
        live.sign_in(page, username, TEST_PASSWORD)
        for path in paths:
            page.goto(path.format(alert=world.alert.id))
            wide[path] = page.evaluate(OVERFLOW)
        page.context.close()

    assert {path: extra for path, extra in wide.items() if extra > 0} == {}

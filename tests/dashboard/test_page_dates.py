"""Days, moments and words on the pages: kept texts read as Flask-Babel writes them."""

from __future__ import annotations

import datetime as dt

import flask_babel
from flask import Flask, session
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matcher.dashboard import dates
from matcher.dashboard.i18n import KIND_LABELS, STRENGTH_LABELS, label

MOMENTS = st.datetimes(
    min_value=dt.datetime(1990, 1, 1),
    max_value=dt.datetime(2040, 12, 31),
    timezones=st.sampled_from([None, dt.UTC, dt.timezone(dt.timedelta(hours=-5))]),
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(value=st.dates(min_value=dt.date(1900, 1, 1)), language=st.sampled_from(["nl", "en"]))
def test_a_kept_day_reads_as_flask_babel_writes_it(app: Flask, value: dt.date, language: str):
    with app.test_request_context("/"):
        session["language"] = language
        expected = flask_babel.format_date(value, "medium")
        shown = dates.day(value)

    assert dates.day_text(value, language) == expected
    assert shown == f'<time datetime="{value.isoformat()}">{expected}</time>'


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(moment=MOMENTS, language=st.sampled_from(["nl", "en"]))
def test_a_kept_moment_is_in_amsterdam_time_as_flask_babel_writes_it(
    app: Flask, moment: dt.datetime, language: str
):
    with app.test_request_context("/"):
        session["language"] = language
        expected = flask_babel.format_datetime(moment, "short")
        shown = dates.when(moment)

    assert dates.moment_text(moment, language) == expected
    assert shown == f'<time datetime="{moment.isoformat()}">{expected}</time>'


def test_no_day_and_no_moment_show_nothing(app: Flask) -> None:
    with app.test_request_context("/"):
        assert dates.day(None) == "" and dates.when(None) == ""


def test_a_kept_word_follows_the_language_of_the_request(app: Flask) -> None:
    # each request has its own application context, and the words kept in it
    with app.test_request_context("/"):
        session["language"] = "nl"
        dutch = (label(STRENGTH_LABELS, "strong"), label(KIND_LABELS, "phone"))
        again = (label(STRENGTH_LABELS, "strong"), label(KIND_LABELS, "phone"))
    with app.test_request_context("/"):
        session["language"] = "en"
        english = (label(STRENGTH_LABELS, "strong"), label(KIND_LABELS, "phone"))

    assert dutch == again == ("sterk", "telefoonnummer")
    assert english == ("strong", "phone number")
    assert label(KIND_LABELS, "no-such-kind") == "no-such-kind"

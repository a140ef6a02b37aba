"""Placeholder."""

from typing import Any

from flask import Flask


def init_app(app: Flask, *args: Any) -> None:
    """Register with the app."""

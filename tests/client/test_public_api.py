"""The client's public API: what ``import client`` offers, kept sorted and importable."""

from __future__ import annotations

import inspect

import pytest

import client


def isort_order(name: str) -> tuple[int, str]:
    """Constants first, then classes, then functions: how ruff (RUF022) sorts ``__all__``."""
    if name.isupper():
        return 0, name
    return (1 if name[0].isupper() else 2), name


def test_all_is_sorted_and_unique() -> None:
    assert client.__all__ == sorted(client.__all__, key=isort_order)
    assert len(set(client.__all__)) == len(client.__all__)


@pytest.mark.parametrize("name", client.__all__)
def test_every_public_name_imports(name: str) -> None:
    assert getattr(client, name) is not None


@pytest.mark.parametrize(
    "name",
    [
        "Category",
        "ColumnMapping",
        "Export",
        "Kind",
        "KindSpec",
        "Ledger",
        "MatcherClient",
        "Preparation",
        "PreparedBatch",
        "Receipt",
        "open_export",
        "prepare",
        "read_batch_file",
    ],
)
def test_the_preparation_and_upload_api_is_public_and_documented(name: str) -> None:
    value = getattr(client, name)

    assert name in client.__all__
    assert inspect.getdoc(value), f"{name} has no docstring"


def test_options_of_the_public_callables_are_keyword_only() -> None:
    for function in (client.prepare, client.MatcherClient, client.Preparation):
        parameters = list(inspect.signature(function).parameters.values())
        positional = [p.name for p in parameters if p.kind is p.POSITIONAL_OR_KEYWORD]
        assert len(positional) <= 2, (function, positional)  # (self,) and the one subject

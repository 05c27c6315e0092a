"""docs/openapi.json is generated from the models the code validates with, and kept current."""

from __future__ import annotations

from tools import openapi


def test_committed_openapi_matches_the_models() -> None:
    assert openapi.TARGET.read_text() == openapi.render(), "run: python -m tools.openapi"


def test_every_function_is_documented() -> None:
    from tools.serve_functions import function_names

    assert {p.strip("/") for p in openapi.build()["paths"]} == set(function_names())

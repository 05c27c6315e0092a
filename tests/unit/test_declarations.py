"""The declarations in functions/main.py: coherent, lazy, and published without loopholes."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCUMENT = json.loads((ROOT / "docs" / "openapi.json").read_text())


def declarations() -> list[Any]:
    from functions.main import functions

    return list(functions)


def test_the_tables_are_read_from_the_declarations() -> None:
    import functions.main as main
    from tools.serve_functions import function_names

    names = sorted(d.name for d in declarations())
    assert main.__all__ == names == function_names()
    assert {d.name: d.role for d in declarations()} == main.ACCESS
    assert {d.name: d.limit for d in declarations() if d.limit} == main.LIMITED


@pytest.mark.parametrize("declaration", declarations(), ids=lambda d: d.name)
def test_each_declaration_is_coherent(declaration: Any) -> None:
    from shared.services.entry_points import resolve

    for name in (declaration.query, declaration.body, declaration.answer):
        if name is not None:
            resolve(name)
    assert declaration.summary, "the docstring's first line is the OpenAPI summary"
    if declaration.body is not None:
        assert "POST" in declaration.methods
    if declaration.limit is not None:
        assert declaration.role in ("caller", "staff"), "a bucket counts per signed-in user"


def test_importing_the_entry_points_loads_no_service_or_model_module() -> None:
    """Declarations name models as strings: a cold start imports only its own function's."""
    script = (
        "import sys; import functions.main; "
        "print('\\n'.join(sorted(n for n in sys.modules if n.startswith('shared'))))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    heavy = [
        m
        for m in loaded
        if m.startswith(("shared.services.caller", "shared.services.staff", "shared.records"))
        or m in ("shared.domain.caller_view", "shared.domain.models", "shared.adapters.store")
    ]
    assert heavy == []


CLIENT_LIBRARIES = ("google.cloud.firestore", "firebase_admin", "google.cloud.tasks_v2", "grpc")


def loaded_modules(environment: dict[str, str]) -> set[str]:
    """Modules a fresh interpreter holds after importing functions/main.py."""
    import os

    script = "import sys; import functions.main; print('\\n'.join(sorted(sys.modules)))"
    env = {k: v for k, v in os.environ.items() if k != "PRELOAD_FUNCTIONS"}
    return set(
        subprocess.run(
            [sys.executable, "-c", script],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
            env={**env, **environment},
        ).stdout.split()
    )


def test_importing_the_entry_points_loads_no_client_library() -> None:
    """A function started by a request imports a client's library when it first uses it."""
    loaded = loaded_modules({})
    assert [m for m in CLIENT_LIBRARIES if m in loaded] == []
    assert "pydantic_settings" not in loaded


def test_preload_imports_what_the_first_request_would() -> None:
    """Minimum instances (deploy.sh): the named functions' modules and the clients' libraries,
    at start-up; others' modules stay unloaded."""
    loaded = loaded_modules({"PRELOAD_FUNCTIONS": "requestCall"})
    assert [m for m in CLIENT_LIBRARIES if m not in loaded] == []
    assert {"shared.services.caller.calls", "shared.domain.caller_view"} <= loaded
    assert "shared.services.staff.enqueue" not in loaded


def test_preload_refuses_a_name_nobody_declared() -> None:
    from functions.main import functions

    with pytest.raises(ValueError, match="requestcall"):
        functions.preload("requestcall")
    assert functions.preload(" , ") == []


def objects(schema: Any, path: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every object schema reachable from `schema`, following $refs into components."""
    seen: set[str] = set()
    todo = [(path, schema)]
    while todo:
        where, node = todo.pop()
        if isinstance(node, list):
            todo.extend((f"{where}[{i}]", n) for i, n in enumerate(node))
        if not isinstance(node, dict):
            continue
        ref = node.get("$ref")
        if isinstance(ref, str) and ref not in seen:
            seen.add(ref)
            name = ref.rsplit("/", 1)[-1]
            todo.append((name, DOCUMENT["components"]["schemas"][name]))
        if node.get("type") == "object" or "properties" in node:
            yield where, node
        for key, value in node.items():
            if key not in ("$ref", "description", "title"):
                todo.append((f"{where}.{key}", value))


def answers() -> Iterator[tuple[str, Any]]:
    for path, operations in DOCUMENT["paths"].items():
        for operation in operations.values():
            for status, response in operation["responses"].items():
                yield f"{path} {status}", response["content"]["application/json"]["schema"]


@pytest.mark.parametrize(("where", "schema"), [pytest.param(w, s, id=w) for w, s in answers()])
def test_every_published_answer_object_forbids_undeclared_keys(where: str, schema: Any) -> None:
    """additionalProperties false, or a map whose values have a schema (by_status...)."""
    loose = [
        name
        for name, node in objects(schema, where)
        if node.get("additionalProperties") is not False
        and not (isinstance(node.get("additionalProperties"), dict) and "properties" not in node)
    ]
    assert loose == []

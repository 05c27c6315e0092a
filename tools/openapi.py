"""Write docs/openapi.json from the functions' declarations and their pydantic models.

Every path, parameter, body and answer comes from `functions.declare(...)` in
functions/main.py and the models it names; nothing here describes an endpoint by hand.
`python -m tools.openapi` rewrites it; a unit test fails when the committed file is stale.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

if TYPE_CHECKING:
    from shared.services.entry_points import Declaration

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "docs" / "openapi.json"
REF = "#/components/schemas/{model}"


class Schemas:
    """components.schemas, filled as models are referenced; one name, one schema."""

    def __init__(self) -> None:
        self.found: dict[str, Any] = {}

    def ref(self, model: type[BaseModel], mode: str) -> dict[str, Any]:
        schema = model.model_json_schema(
            by_alias=True,
            ref_template=REF,
            mode="serialization" if mode == "answer" else "validation",
        )
        for name, part in {**schema.pop("$defs", {}), model.__name__: schema}.items():
            if self.found.setdefault(name, part) != part:
                raise ValueError(f"two different models are named {name}")
        return {"$ref": REF.format(model=model.__name__)}


def parameters(model: type[BaseModel]) -> list[dict[str, Any]]:
    """Query parameters from a pydantic model (each comes in as a string and is parsed)."""
    schema = model.model_json_schema()
    required = set(schema.get("required", []))
    return [
        {
            "name": name,
            "in": "query",
            "required": name in required,
            "description": prop.get("description", ""),
            "schema": {k: v for k, v in prop.items() if k not in ("title", "description")},
        }
        for name, prop in schema["properties"].items()
    ]


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


def operation(declaration: Declaration, schemas: Schemas) -> dict[str, Any]:
    """One path's operation, from the function's declaration."""
    from shared.services.entry_points import resolve

    error = schemas.ref(resolve("shared.base.answers:ErrorAnswer"), "answer")
    responses: dict[str, Any] = {
        "200": {
            "description": "OK",
            "content": _json(schemas.ref(resolve(declaration.answer), "answer")),
        }
    }
    for status in declaration.statuses():
        responses[str(status)] = {"description": "error", "content": _json(error)}
    if declaration.limit is not None:
        responses["429"] = {
            "description": "too many requests: retry after the header's seconds",
            "headers": {"Retry-After": {"schema": {"type": "integer", "minimum": 1}}},
            "content": _json(error),
        }
    found: dict[str, Any] = {"summary": declaration.summary, "responses": responses}
    if declaration.role == "task":
        found["description"] = "Cloud Tasks only (its OIDC token)."
    elif declaration.role == "scheduler":
        found["security"] = [{"firebase": []}]
        found["description"] = (
            "Cloud Scheduler (its OIDC token), or the 'staff' role (custom claim `roles`)."
        )
    else:
        found["security"] = [{"firebase": []}]
        found["description"] = (
            "Any signed-in user."
            if declaration.role == "any"
            else f"Needs the '{declaration.role}' role (custom claim `roles`)."
        )
    if declaration.query is not None:
        found["parameters"] = parameters(resolve(declaration.query))
    if declaration.body is not None:
        found["requestBody"] = {
            "required": True,
            "content": _json(schemas.ref(resolve(declaration.body), "body")),
        }
    return found


def build() -> dict[str, Any]:
    from functions.main import functions

    schemas = Schemas()
    paths = {
        f"/{d.name}": {d.methods[0].lower(): operation(d, schemas)}
        for d in sorted(functions, key=lambda d: d.name)
    }
    return {
        "openapi": "3.1.0",
        "info": {"title": "Call queue", "version": "1"},
        "servers": [
            {"url": "https://us-central1-PROJECT.cloudfunctions.net"},
            {"url": "http://127.0.0.1:5001/demo-callqueue/us-central1"},
        ],
        "paths": paths,
        "components": {
            "schemas": schemas.found,
            "securitySchemes": {
                "firebase": {
                    "type": "http",
                    "scheme": "bearer",
                    "bearerFormat": "Firebase ID token",
                }
            },
        },
    }


def render() -> str:
    return json.dumps(build(), indent=2, sort_keys=True) + "\n"


if __name__ == "__main__":
    TARGET.write_text(render())
    print(f"wrote {TARGET}")

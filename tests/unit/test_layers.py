"""shared/'s layers, read from the code: no import cycles, nothing imported up a layer, and
the caller path loads no staff module."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT / "shared"
# Bottom to top; a module may import from its own layer and those below it.
LAYERS = ["base", "domain", "adapters", "records", "services"]
CALLER_PATH = "shared.services.caller"
STAFF = "shared.services.staff"


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> set[str]:
    """Every shared module this file imports, at the top or inside functions."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("shared"):
            for alias in node.names:
                candidate = f"{node.module}.{alias.name}"
                is_module = (SHARED.parent / (candidate.replace(".", "/") + ".py")).exists()
                found.add(candidate if is_module else node.module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("shared"))
    return found


GRAPH = {module_name(p): imports_of(p) for p in SHARED.rglob("*.py")}


def layer(module: str) -> int:
    parts = module.split(".")
    return LAYERS.index(parts[1]) if len(parts) > 2 else -1


@pytest.mark.parametrize("module", sorted(m for m in GRAPH if layer(m) >= 0))
def test_no_module_imports_up_a_layer(module: str) -> None:
    upward = sorted(i for i in GRAPH[module] if layer(i) > layer(module))
    assert upward == [], f"{module} imports from a higher layer: {upward}"


def test_no_import_cycles() -> None:
    done: set[str] = set()

    def visit(module: str, path: list[str]) -> None:
        if module in path:
            cycle = [*path[path.index(module) :], module]
            raise AssertionError("import cycle: " + " -> ".join(cycle))
        if module in done:
            return
        for target in sorted(GRAPH.get(module, ())):
            visit(target, [*path, module])
        done.add(module)

    for module in sorted(GRAPH):
        visit(module, [])


def test_the_caller_path_imports_no_staff_module() -> None:
    reached: set[str] = set()
    todo = [m for m in GRAPH if m.startswith(CALLER_PATH)]
    while todo:
        module = todo.pop()
        if module not in reached:
            reached.add(module)
            todo.extend(GRAPH.get(module, ()))
    assert sorted(m for m in reached if m.startswith(STAFF)) == []


def test_serving_a_claim_loads_no_staff_module() -> None:
    """What requestCall's entry point imports when it runs, in a fresh interpreter."""
    script = (
        "import sys; import functions.main as m; from shared.services.caller import calls, "
        "backfill, lease_tasks; from shared.adapters import web, auth, config, store; "
        "print('\\n'.join(sorted(n for n in sys.modules if n.startswith('shared.services'))))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    assert [m for m in loaded if m.startswith(STAFF)] == []
    assert "shared.services.caller.calls" in loaded

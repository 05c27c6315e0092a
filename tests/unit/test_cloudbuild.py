"""cloudbuild.yaml runs the README's test command, then deploy.sh, in that order."""

from __future__ import annotations

import json
import re
import subprocess
from typing import Any

import pytest

from tools import stack as stacklib

ROOT = stacklib.ROOT
# PyYAML is not a dependency of ours; the Tasks emulator's venv happens to have it.
YAML_PYTHON = ROOT / ".venv-tasks" / "bin" / "python"


@pytest.fixture(scope="module")
def build() -> dict[str, Any]:
    if not YAML_PYTHON.exists():
        pytest.skip("no .venv-tasks (make install) to read YAML with")
    code = "import json, sys, yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1]))))"
    out = subprocess.run(
        [str(YAML_PYTHON), "-c", code, str(ROOT / "cloudbuild.yaml")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return dict(json.loads(out))


def readme_test_command() -> str:
    block = re.search(r"```sh\n(.*?)```", (ROOT / "README.md").read_text(), re.S)
    assert block is not None
    commands = [line.split("#")[0].strip() for line in block.group(1).splitlines()]
    (test,) = [c for c in commands if "test" in c]
    return test


def script(step: dict[str, Any]) -> str:
    return "\n".join([step.get("entrypoint", ""), *step.get("args", [])])


def test_tests_run_first_then_deploy_sh_with_the_project(build: dict[str, Any]) -> None:
    steps = build["steps"]
    assert [s["id"] for s in steps] == ["test", "deploy"]
    assert not any("waitFor" in s for s in steps), "steps must run in order"
    test, deploy = map(script, steps)
    assert re.search(rf"^{re.escape(readme_test_command())}$", test, re.M)
    assert re.search(r'^bash deploy\.sh "\$PROJECT_ID" --region "\$_REGION"$', deploy, re.M)
    assert "deploy.sh" not in test
    assert "_REGION" in build["substitutions"]


def test_readme_test_command_is_make_test() -> None:
    assert readme_test_command() == "make test"

"""cloudbuild.yaml: tests, the official emulator, then staging (deploy, smoke), then production."""

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


STEPS = [
    "test",
    "official-emulator",
    "deploy-staging",
    "smoke-staging",
    "deploy-production",
    "smoke-production",
]


def scripts(build: dict[str, Any]) -> dict[str, str]:
    return {s["id"]: script(s) for s in build["steps"]}


def test_tests_then_staging_then_production_in_order(build: dict[str, Any]) -> None:
    steps = build["steps"]
    assert [s["id"] for s in steps] == STEPS
    # Without waitFor each step waits for the one before; a failed step stops the build, so
    # a failed staging smoke test stops production's deploy.
    assert not any("waitFor" in s for s in steps), "steps must run in order"
    test = scripts(build)["test"]
    assert re.search(rf"^{re.escape(readme_test_command())}$", test, re.M)
    assert "deploy.sh" not in test


def test_each_deploy_passes_the_caller_app_origins(build: dict[str, Any]) -> None:
    run = scripts(build)
    staging = (
        'CALLER_APP_ORIGINS="$_STAGING_CALLER_APP_ORIGINS" '
        'bash deploy.sh "$_STAGING_PROJECT" --region "$_REGION"'
    )
    production = (
        'CALLER_APP_ORIGINS="$_CALLER_APP_ORIGINS" bash deploy.sh "$PROJECT_ID" --region "$_REGION"'
    )
    assert staging in run["deploy-staging"].splitlines()
    assert production in run["deploy-production"].splitlines()
    deploys = [name for name, text in run.items() if "deploy.sh" in text]
    assert deploys == ["deploy-staging", "deploy-production"]
    assert {
        "_REGION",
        "_STAGING_PROJECT",
        "_CALLER_APP_ORIGINS",
        "_STAGING_CALLER_APP_ORIGINS",
    } <= set(build["substitutions"])


def test_each_deploy_is_smoke_tested_before_the_next_step(build: dict[str, Any]) -> None:
    run = scripts(build)
    smoke = (
        '.venv/bin/python -m tools.smoke "https://$_REGION-{p}.cloudfunctions.net" --project "{p}"'
    )
    assert smoke.format(p="$_STAGING_PROJECT") in run["smoke-staging"].splitlines()
    assert smoke.format(p="$PROJECT_ID") in run["smoke-production"].splitlines()
    # Every step's script stops at its first failing command.
    assert all("set -euo pipefail" in text for text in run.values())


def test_the_official_emulator_step_cannot_skip(build: dict[str, Any]) -> None:
    (step,) = [s for s in build["steps"] if s["id"] == "official-emulator"]
    assert "REQUIRE_OFFICIAL_EMULATOR=1" in step["env"]
    assert "bash .ci/install-tools java21" in script(step)
    assert "bash tools/official-emulator.sh" in script(step)


def test_the_build_has_time_for_both_deploys(build: dict[str, Any]) -> None:
    assert int(build["timeout"].removesuffix("s")) >= 7200


def test_readme_test_command_is_make_test() -> None:
    assert readme_test_command() == "make test"

"""deploy.sh: the dry run prints the whole plan with no cloud tool; a real run stops early."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from tools import stack as stacklib
from tools.serve_functions import function_names

ROOT = stacklib.ROOT
DEPLOY = ROOT / "deploy.sh"
CLOUD_TOOLS = ("gcloud", "firebase", "npm")


def stub_tools(folder: Path, script: str = 'echo "$0 $*" >>"$CALLS"; exit 1') -> Path:
    """A bin folder whose gcloud, firebase and npm only log their calls."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in CLOUD_TOOLS:
        tool = folder / name
        tool.write_text(f"#!/bin/sh\n{script}\n")
        tool.chmod(0o755)
    return folder


def deploy(*args: str, path: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": path,
        "HOME": str(tmp_path),
        "CALLS": str(tmp_path / "calls.log"),
        "FIREBASE": "firebase",  # not node_modules/.bin/firebase
    }
    return subprocess.run(
        ["/bin/bash", str(DEPLOY), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=20,
        check=False,
        cwd=tmp_path,
    )


@pytest.fixture(scope="module")
def plan(tmp_path_factory: pytest.TempPathFactory) -> list[list[str]]:
    """The dry run's commands, split as the shell would split them."""
    tmp_path = tmp_path_factory.mktemp("deploy")
    stubs = stub_tools(tmp_path / "bin")
    result = deploy("demo-project", "--dry-run", path=f"{stubs}:/usr/bin:/bin", tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    assert not (tmp_path / "calls.log").exists(), "the dry run ran a cloud tool"
    return [
        shlex.split(line)
        for line in result.stdout.splitlines()
        if line.strip() and not line.startswith("#")
    ]


def options(command: list[str]) -> dict[str, str]:
    return dict(a[2:].split("=", 1) for a in command if a.startswith("--") and "=" in a)


def test_dry_run_deploys_every_function_with_its_entry_point(plan: list[list[str]]) -> None:
    deployed = {c[3]: c for c in plan if c[:3] == ["gcloud", "functions", "deploy"]}
    assert sorted(deployed) == sorted(function_names())
    for name, command in deployed.items():
        given = options(command)
        assert given["entry-point"] == name
        assert "--gen2" in command
        assert "--trigger-http" in command
        assert given["runtime"].startswith("python3")
        assert given["min-instances"] == "0"
        assert given["region"] == "us-central1"
        assert given["service-account"].startswith("callqueue-functions@demo-project.")
        assert {"memory", "timeout"} <= set(given)
        env = dict(v.split("=", 1) for v in given["set-env-vars"].removeprefix("^;^").split(";"))
        assert env["GOOGLE_CLOUD_PROJECT"] == "demo-project"
        assert env["TASKS_SERVICE_ACCOUNT"].startswith("callqueue-tasks@demo-project.")
        assert env["TASKS_AUDIENCE"] == f"{env['FUNCTIONS_BASE_URL']}/expireClaim"
        assert env["FUNCTIONS_BASE_URL"] == "https://us-central1-demo-project.cloudfunctions.net"
        public = name != "expireClaim"
        assert ("--allow-unauthenticated" in command) is public
        assert ("--no-allow-unauthenticated" in command) is not public


def test_dry_run_names_the_queue_rules_indexes_and_hosting(plan: list[list[str]]) -> None:
    text = "\n".join(shlex.join(c) for c in plan)
    assert "gcloud tasks queues create lease-expiry" in text
    assert "--max-attempts=" in text
    assert "firebase deploy --only firestore:rules,firestore:indexes" in text
    assert "firebase deploy --only hosting" in text
    assert "gcloud functions add-invoker-policy-binding expireClaim" in text
    assert "--member=serviceAccount:callqueue-tasks@demo-project.iam.gserviceaccount.com" in text
    assert "python3 -m tools.bundle" in text
    assert "gcloud services enable" in text
    assert "gcloud iam service-accounts create callqueue-functions" in text
    assert "gcloud iam service-accounts create callqueue-tasks" in text


def test_region_option_reaches_every_regional_command(tmp_path: Path) -> None:
    stubs = stub_tools(tmp_path / "bin")
    result = deploy(
        "p1",
        "--region",
        "europe-west1",
        "--dry-run",
        path=f"{stubs}:/usr/bin:/bin",
        tmp_path=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert "us-central1" not in result.stdout
    assert "https://europe-west1-p1.cloudfunctions.net" in result.stdout


def test_real_run_stops_at_once_when_a_tool_is_missing(tmp_path: Path) -> None:
    bare = tmp_path / "bare"
    bare.mkdir()
    for name in ("dirname", "mktemp", "rm"):
        found = shutil.which(name)
        assert found is not None
        (bare / name).symlink_to(found)
    result = deploy("my-project", path=str(bare), tmp_path=tmp_path)
    assert result.returncode == 1
    assert "missing tools: gcloud python3 firebase" in result.stderr


def test_real_run_stops_at_once_when_nobody_is_logged_in(tmp_path: Path) -> None:
    stubs = stub_tools(tmp_path / "bin", script='echo "$0 $*" >>"$CALLS"; exit 0')
    result = deploy("my-project", path=f"{stubs}:/usr/bin:/bin", tmp_path=tmp_path)
    assert result.returncode == 1
    assert "nobody is logged in" in result.stderr
    calls = (tmp_path / "calls.log").read_text().splitlines()
    assert all(" auth list" in c for c in calls), calls


@pytest.mark.parametrize("args", [[], ["a", "b"], ["p", "--bogus"], ["demo-x"]])
def test_bad_arguments_are_refused(args: list[str], tmp_path: Path) -> None:
    result = deploy(*args, path=os.environ["PATH"], tmp_path=tmp_path)
    assert result.returncode == 2
    assert "deploy.sh" in result.stderr


@pytest.mark.skipif(shutil.which("shellcheck") is None, reason="shellcheck is not installed")
def test_shell_scripts_pass_shellcheck() -> None:
    scripts = [DEPLOY, ROOT / ".ci" / "run"]
    result = subprocess.run(
        ["shellcheck", *map(str, scripts)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout

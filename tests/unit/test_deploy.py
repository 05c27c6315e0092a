"""deploy.sh: the dry run prints the whole plan with no cloud tool; a real run stops early."""

from __future__ import annotations

import os
import re
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


def deploy(
    *args: str, path: str, tmp_path: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    tmp_path.mkdir(parents=True, exist_ok=True)
    env = {
        "PATH": path,
        "HOME": str(tmp_path),
        "CALLS": str(tmp_path / "calls.log"),
        "FIREBASE": "firebase",  # not node_modules/.bin/firebase
        "TMPDIR": str(tmp_path),
        **(env or {}),
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
        # requestCall is kept warm by default (docs/deploy.md, Minimum instances).
        assert given["min-instances"] == ("1" if name == "requestCall" else "0")
        assert given["region"] == "us-central1"
        assert given["service-account"].startswith("callqueue-functions@demo-project.")
        assert {"memory", "timeout"} <= set(given)
        env = dict(v.split("=", 1) for v in given["set-env-vars"].removeprefix("^;^").split(";"))
        assert env["GOOGLE_CLOUD_PROJECT"] == "demo-project"
        assert env["TASKS_SERVICE_ACCOUNT"].startswith("callqueue-tasks@demo-project.")
        assert env["TASKS_AUDIENCE"] == f"{env['FUNCTIONS_BASE_URL']}/expireClaim"
        assert env["FUNCTIONS_BASE_URL"] == "https://us-central1-demo-project.cloudfunctions.net"
        assert (env.get("PRELOAD_FUNCTIONS") == "requestCall") is (name == "requestCall")
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
    # Freshness targets: Cloud Scheduler calls refreshQueue every 10 minutes with an OIDC
    # token minted as the tasks account, for the function's own URL.
    refresh = "https://us-central1-demo-project.cloudfunctions.net/refreshQueue"
    for verb in ("create", "update"):
        [job] = [c for c in plan if c[:4] == ["gcloud", "scheduler", "jobs", verb]]
        assert job[4:6] == ["http", "callqueue-refresh-queue"]
        assert "--schedule=*/10 * * * *" in job
        assert f"--uri={refresh}" in job
        assert f"--oidc-token-audience={refresh}" in job
        assert (
            "--oidc-service-account-email=callqueue-tasks@demo-project.iam.gserviceaccount.com"
            in job
        )
    assert "cloudscheduler.googleapis.com" in text


def test_request_call_min_instances_can_be_changed_or_turned_off(tmp_path: Path) -> None:
    stubs = stub_tools(tmp_path / "bin")
    for wanted in ("0", "3"):
        result = deploy(
            "p1",
            "--dry-run",
            path=f"{stubs}:/usr/bin:/bin",
            tmp_path=tmp_path / wanted,
            env={"REQUEST_CALL_MIN_INSTANCES": wanted},
        )
        assert result.returncode == 0, result.stderr
        commands = [shlex.split(line) for line in result.stdout.splitlines()]
        deploys = [c for c in commands if c[:3] == ["gcloud", "functions", "deploy"]]
        deployed = {c[3]: options(c) for c in deploys}
        assert deployed["requestCall"]["min-instances"] == wanted
        assert ("PRELOAD_FUNCTIONS" in deployed["requestCall"]["set-env-vars"]) is (wanted != "0")
        assert {o["min-instances"] for n, o in deployed.items() if n != "requestCall"} == {"0"}
    for bad in ("one", "-1", "21"):
        result = deploy(
            "p1",
            "--dry-run",
            path=f"{stubs}:/usr/bin:/bin",
            tmp_path=tmp_path / "bad",
            env={"REQUEST_CALL_MIN_INSTANCES": bad},
        )
        assert result.returncode == 2, bad
        assert "REQUEST_CALL_MIN_INSTANCES" in result.stderr


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
    scripts = [DEPLOY, ROOT / ".ci" / "run", ROOT / ".ci" / "install-tools"]
    scripts.append(ROOT / "tools" / "official-emulator.sh")
    result = subprocess.run(
        ["shellcheck", *map(str, scripts)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout


# --------------------------------------------------------------------------- issue 21


def commands(plan: list[list[str]], *prefix: str) -> list[list[str]]:
    return [c for c in plan if c[: len(prefix)] == list(prefix)]


def test_every_account_gets_its_roles(plan: list[list[str]]) -> None:
    runtime = "serviceAccount:callqueue-functions@demo-project.iam.gserviceaccount.com"
    build = "serviceAccount:callqueue-build@demo-project.iam.gserviceaccount.com"
    granted: dict[str, set[str]] = {}
    for c in commands(plan, "gcloud", "projects", "add-iam-policy-binding"):
        granted.setdefault(options(c)["member"], set()).add(options(c)["role"])
    # firebaseauth.viewer: auth.get_user (revocation check) and list_users (listCallers).
    assert granted[runtime] == {
        "roles/datastore.user",
        "roles/cloudtasks.enqueuer",
        "roles/logging.logWriter",
        "roles/firebaseauth.viewer",
    }
    assert granted[build] == {"roles/cloudbuild.builds.builder"}
    assert set(granted) == {runtime, build}
    created = {c[4] for c in commands(plan, "gcloud", "iam", "service-accounts", "create")}
    assert created == {"callqueue-functions", "callqueue-tasks", "callqueue-build"}


def test_every_function_is_built_by_the_build_account(plan: list[list[str]]) -> None:
    deploys = commands(plan, "gcloud", "functions", "deploy")
    assert deploys
    for c in deploys:
        assert options(c)["build-service-account"] == (
            "projects/demo-project/serviceAccounts/"
            "callqueue-build@demo-project.iam.gserviceaccount.com"
        )


def test_point_in_time_recovery_and_a_daily_backup(plan: list[list[str]]) -> None:
    (pitr,) = commands(plan, "gcloud", "firestore", "databases", "update")
    assert "--enable-pitr" in pitr
    assert options(pitr)["database"] == "(default)"
    (backup,) = commands(plan, "gcloud", "firestore", "backups", "schedules", "create")
    given = options(backup)
    assert given["recurrence"] == "daily"
    assert given["retention"] == "7d"  # Firestore's most for a daily schedule
    assert given["database"] == "(default)"


def test_the_default_hosting_site_exists_before_hosting_deploys(plan: list[list[str]]) -> None:
    site = plan.index(["firebase", "hosting:sites:create", "demo-project",
                       "--project=demo-project", "--non-interactive"])  # fmt: skip
    hosting = next(
        i for i, c in enumerate(plan) if c[:4] == ["firebase", "deploy", "--only", "hosting"]
    )
    app = next(i for i, c in enumerate(plan) if c[:2] == ["firebase", "apps:create"])
    assert site < app < hosting


def labelled(tmp_path: Path, *args: str, env: dict[str, str] | None = None) -> list[str]:
    """The script's output lines (comments included) for these arguments."""
    stubs = stub_tools(tmp_path / "bin")
    result = deploy(*args, path=f"{stubs}:/usr/bin:/bin", tmp_path=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


def test_the_dry_run_says_what_each_cloud_command_creates_or_updates(tmp_path: Path) -> None:
    lines = labelled(tmp_path, "demo-project", "--dry-run")
    last_comment = ""
    for line in lines:
        if line.startswith("#"):
            last_comment = line
            continue
        if line.split(" ")[0] in ("gcloud", "firebase"):
            assert re.match(r"# (create|update)", last_comment), (line, last_comment)


# A project deploy.sh has already deployed, as gcloud and firebase describe it.
DEPLOYED = r"""
echo "$0 $*" >>"$CALLS"
case "$*" in
  *"auth list"*) echo someone@example.org ;;
  *pointInTimeRecoveryEnablement*) echo POINT_IN_TIME_RECOVERY_ENABLED ;;
  *"backups schedules list"*) printf 'projects/p/databases/(default)/backupSchedules/1\n' ;;
  *environmentVariables.ALLOWED_ORIGINS*) echo "https://p.web.app,https://caller.example" ;;
  *labels.callqueue_config*) cat "$LABELS/$3" 2>/dev/null || true ;;
  *hosting:sites:list*) echo '{"result": [{"type": "DEFAULT_SITE"}]}' ;;
  *"apps:list WEB"*) echo callqueue-console ;;
esac
exit 0
"""
FRESH = r"""
echo "$0 $*" >>"$CALLS"
case "$*" in
  *"auth list"*) echo someone@example.org; exit 0 ;;
  *projects:list* | *"projects describe"*) exit 0 ;;
esac
exit 1
"""
READ_ONLY = re.compile(r" (describe|list|projects:list|apps:list|hosting:sites:list)( |$)")


def plan_of(tmp_path: Path, script: str, labels: Path) -> list[str]:
    stubs = stub_tools(tmp_path / "bin", script=script)
    env = {"LABELS": str(labels)}
    result = deploy("p", "--plan", path=f"{stubs}:/usr/bin:/bin", tmp_path=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    calls = (tmp_path / "calls.log").read_text().splitlines()
    assert all(READ_ONLY.search(c) for c in calls), [c for c in calls if not READ_ONLY.search(c)]
    return result.stdout.splitlines()


def test_plan_of_a_fresh_project_creates_everything(tmp_path: Path) -> None:
    lines = plan_of(tmp_path, FRESH, tmp_path / "none")
    said = "\n".join(lines)
    for what in ("service account callqueue-functions@", "service account callqueue-build@",
                 "Firestore database", "Cloud Tasks queue lease-expiry",
                 "default Hosting site p", "daily backup schedule"):  # fmt: skip
        assert re.search(rf"^# create: {re.escape(what)}", said, re.M), what
    assert "# update: turn point-in-time recovery on" in said
    assert len(re.findall(r"^# create: function ", said, re.M)) == len(function_names())
    assert not re.search(r"^gcloud tasks queues update", said, re.M)


def test_plan_of_a_deployed_project_updates_only_what_differs(tmp_path: Path) -> None:
    labels = tmp_path / "labels"
    labels.mkdir()
    first = plan_of(tmp_path / "1", DEPLOYED, labels)
    said = "\n".join(first)
    assert "# unchanged: point-in-time recovery is on" in said
    assert "# unchanged: a backup schedule exists" in said
    assert re.search(r"^# unchanged: default Hosting site p", said, re.M)
    assert re.search(r"^# update: Cloud Tasks queue lease-expiry", said, re.M)
    assert not re.search(r"^(gcloud|firebase) .*(hosting:sites:create|queues create|"
                         r"service-accounts create|databases create)", said, re.M)  # fmt: skip
    # No CALLER_APP_ORIGINS given: the deployed origins are kept, the caller app's included.
    assert "# ALLOWED_ORIGINS kept as deployed: https://p.web.app,https://caller.example" in said
    deploys = [shlex.split(line) for line in first if line.startswith("gcloud functions deploy")]
    assert deploys
    kept = "ALLOWED_ORIGINS=https://p.web.app,https://caller.example"
    assert all(kept in options(c)["set-env-vars"] for c in deploys)
    # Deployed with the config the plan computed: a second plan rebuilds nothing.
    for line in first:
        found = re.match(r"# create: function (\w+) \(config (\w+);", line)
        assert found is not None or not line.startswith("# create: function"), line
        if found:
            (labels / found.group(1)).write_text(found.group(2) + "\n")
    assert len(list(labels.iterdir())) == len(function_names())
    second = "\n".join(plan_of(tmp_path / "2", DEPLOYED, labels))
    assert len(re.findall(r"^# unchanged: function ", second, re.M)) == len(function_names())
    assert "gcloud functions deploy" not in second


def test_a_changed_setting_redeploys(tmp_path: Path) -> None:
    labels = tmp_path / "labels"
    labels.mkdir()
    for line in plan_of(tmp_path / "1", DEPLOYED, labels):
        if found := re.match(r"# create: function (\w+) \(config (\w+);", line):
            (labels / found.group(1)).write_text(found.group(2) + "\n")
    stubs = stub_tools(tmp_path / "2" / "bin", script=DEPLOYED)
    env = {"LABELS": str(labels), "CALLER_APP_ORIGINS": "https://new-caller.example"}
    result = deploy("p", "--plan", path=f"{stubs}:/usr/bin:/bin", tmp_path=tmp_path, env=env)
    assert len(re.findall(r"^# update: function ", result.stdout, re.M)) == len(function_names())

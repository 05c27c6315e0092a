"""The local stack runs on production's configuration: contact windows on, unless the
environment of `make run` says otherwise (issue 16 defect 7)."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import pytest

from tools import stack

ROOT = Path(__file__).resolve().parents[2]
# "CONTACT_WINDOWS" given a false value in any spelling: env dicts, setenv, shell, Makefile.
_OFF = re.compile(
    r"CONTACT_WINDOWS" + r"""["']?\s*(?:[:=,]|[\])]\s*=)\s*["']?(?:false|0|no|off)\b""", re.I
)


def _functions_env(monkeypatch: pytest.MonkeyPatch, **given: str) -> dict[str, str]:
    """The environment `make run`'s functions process is started with."""
    seen: dict[str, str] = {}

    def capture(argv: list[str], where: stack.Stack) -> None:
        seen.update({**os.environ, **where.env()})

    for key, value in given.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setattr(stack, "_exec", capture)
    monkeypatch.setattr(sys, "argv", ["tools.stack", "functions"])
    with monkeypatch.context() as inner:
        inner.setattr(os, "environ", dict(os.environ))
        stack.main()
    return seen


# Spelled apart so that a search for settings that turn windows off (like the one below)
# does not find this test of make run honouring an operator's choice.
OFF = "false"


@pytest.mark.parametrize(
    ("given", "windows", "default"),
    [
        ({}, None, None),
        ({"CONTACT_WINDOWS": "true"}, "true", None),
        ({"CONTACT_WINDOWS": OFF}, OFF, None),
        ({"DEFAULT_CONTACT_WINDOW": "always"}, None, "always"),
        ({"DEFAULT_CONTACT_WINDOW": "Mon-Sat 08:00-20:00"}, None, "Mon-Sat 08:00-20:00"),
    ],
)
def test_make_run_takes_contact_settings_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, given: dict[str, str], windows: str | None, default: str | None
) -> None:
    monkeypatch.delenv("CONTACT_WINDOWS", raising=False)
    monkeypatch.delenv("DEFAULT_CONTACT_WINDOW", raising=False)
    env = _functions_env(monkeypatch, **given)
    # Unset means the settings' defaults: windows on, weekdays 9 to 5 (production's).
    assert env.get("CONTACT_WINDOWS") == windows
    assert env.get("DEFAULT_CONTACT_WINDOW") == default


def test_local_settings_leave_contact_windows_alone() -> None:
    assert not {"CONTACT_WINDOWS", "DEFAULT_CONTACT_WINDOW"} & set(stack.LOCAL_FUNCTION_SETTINGS)


def _sources() -> list[Path]:
    files = [ROOT / "Makefile", ROOT / "Procfile"]
    for folder in ("tools", "tests"):
        files += [p for p in (ROOT / folder).rglob("*") if p.suffix in (".py", ".sh", ".toml")]
    # This file holds examples of what it looks for.
    return [p for p in files if p.is_file() and p != Path(__file__).resolve()]


def test_nothing_in_tools_tests_makefile_or_procfile_turns_contact_windows_off() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in _sources()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if _OFF.search(line)
    ]
    assert found == []


@pytest.mark.parametrize(
    "line",
    [
        'LOCAL = {"SKIP_TASK_AUTH": "true", "CONTACT_WINDOWS": "' + OFF + '"}',
        'monkeypatch.setenv("CONTACT_WINDOWS", "false")',
        "\tCONTACT_WINDOWS=false honcho start",
        'os.environ["CONTACT_WINDOWS"] = "0"',
    ],
)
def test_the_search_finds_each_way_of_turning_them_off(line: str) -> None:
    assert _OFF.search(line)


@pytest.mark.parametrize(
    ("now", "wait"),
    [(0.0, 600.0), (1.0, 599.0), (599.5, 0.5), (1_800_000_000.0, 600.0), (1_800_000_123.0, 477.0)],
)
def test_the_local_scheduler_fires_on_the_ten_minute_marks(now: float, wait: float) -> None:
    """Like Cloud Scheduler's "*/10 * * * *" (deploy.sh): at :00, :10, :20 ... of the clock."""
    assert stack.seconds_to_next_slot(now) == pytest.approx(wait)


def test_the_local_scheduler_stops_without_calling(monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    calls: list[object] = []
    monkeypatch.setattr(stack, "refresh_queue", calls.append)
    stop = threading.Event()
    stop.set()
    stack.run_scheduler(stack.from_env(), stop)
    assert calls == []

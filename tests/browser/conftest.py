"""The staff console in Chromium: built from console/, served against the test stack.

Debian's Chromium (/usr/bin/chromium, or $CHROMIUM) driven by Playwright; never a browser
that Playwright downloads. Every test gets a fresh browser context (no signed-in user left
over) and clean data; screenshots go to .stack/screenshots/ for a person to look at.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests import harness
from tools import demo
from tools import stack as stacklib
from tools.importer import write_documents

pytestmark = pytest.mark.browser

CONSOLE = stacklib.ROOT / "console"
SCREENSHOTS = stacklib.ROOT / ".stack" / "screenshots"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# No GPU, no sandbox (root in CI), and none of the background traffic to Google's services
# that cannot be reached here anyway.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
PASSWORD = "console-test-pass"
# Locations per test: enough that a county spans several pages of 10.
PLACES = 120

# Longer than Playwright's 5 s default: the machine is shared and the emulator slows with size.
expect.set_options(timeout=15_000)


@dataclass(frozen=True)
class Account:
    email: str
    password: str
    uid: str


@pytest.fixture(scope="session")
def console_dist() -> Path:
    """Build the console from the current sources (esbuild: about two seconds)."""
    if not (CONSOLE / "node_modules").is_dir():
        pytest.fail("console/node_modules is missing: run `make install` (or `make console`)")
    subprocess.run(["npm", "run", "--silent", "build"], cwd=CONSOLE, check=True)
    return CONSOLE / "dist"


@pytest.fixture(scope="session")
def console_url(
    test_stack: harness.TestStack, functions_http: harness.HttpApi, console_dist: Path
) -> Iterator[str]:
    """The built console, its config.json naming the test stack's functions and Auth."""
    # The stack's port: the functions allow CORS from the console's origin only.
    port = test_stack.stack.console_port
    argv = [
        *stacklib.console_command(test_stack.stack, port),
        "--functions-base",
        functions_http.base,
        "--auth-emulator",
        test_stack.stack.auth_host,
        "--project",
        test_stack.stack.project,
    ]
    service = harness.start("console", argv, test_stack.stack.env())
    url = f"http://{stacklib.HOST}:{port}/"
    harness.wait_ready(service, lambda: stacklib.http_ready(f"{url}config.json"), "console")
    try:
        yield url
    finally:
        service.stop()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `apt-get install chromium` (.ci/run does)")
    shutil.rmtree(SCREENSHOTS, ignore_errors=True)
    SCREENSHOTS.mkdir(parents=True)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Browser, console_url: str) -> Iterator[Page]:
    """A fresh context; uncaught script errors on the page fail the test."""
    context = browser.new_context(
        viewport={"width": 1400, "height": 900}, accept_downloads=True, base_url=console_url
    )
    errors: list[str] = []
    tab = context.new_page()
    tab.on("pageerror", lambda error: errors.append(str(error)))
    try:
        yield tab
    finally:
        context.close()
    assert not errors, f"script errors on the page: {errors}"


@pytest.fixture
def shoot(page: Page, request: pytest.FixtureRequest) -> Callable[[str], Path]:
    """Save a full-page screenshot as .stack/screenshots/<test>-<what>.png."""
    test = re.sub(r"^test_", "", request.node.name)

    def take(what: str) -> Path:
        path = SCREENSHOTS / f"{test}-{what}.png"
        page.screenshot(path=path, full_page=True)
        return path

    return take


def _account(project: str, name: str, roles: list[str]) -> Account:
    from tools.accounts import ensure_user

    email = f"{name}@console.callqueue.test"
    return Account(email, PASSWORD, ensure_user(email, PASSWORD, roles, project))


@pytest.fixture(scope="session")
def staff(project_id: str) -> Account:
    return _account(project_id, "staff", ["staff"])


@pytest.fixture(scope="session")
def caller(project_id: str) -> Account:
    return _account(project_id, "caller", ["caller"])


def token_of(account: Account) -> str:
    from tools.accounts import sign_in

    return sign_in(account.email, account.password)


@pytest.fixture
def places(db: Any) -> demo.DemoData:
    """Made-up California places (8 counties, several types and affiliations), no queue.

    Open around the clock: the functions run with contact windows on, on the wall clock.
    """
    from shared.adapters.store import COUNTIES, LOCATIONS, PROVIDERS, REASONS

    data = demo.generate(PLACES)
    data.locations = [p.model_copy(update={"hours": "Open 24 hours"}) for p in data.locations]
    write_documents(db, COUNTIES, data.counties)
    write_documents(db, PROVIDERS, data.providers)
    write_documents(db, LOCATIONS, data.locations)
    write_documents(db, REASONS, data.reasons)
    return data


def sign_in(page: Page, account: Account, route: str = "#/overview") -> None:
    """Sign in through the console's own form, as a person would."""
    page.goto(route)
    page.get_by_label("E-mail").fill(account.email)
    page.get_by_label("Password").fill(account.password)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.locator("#who-email")).to_have_text(account.email)


def open_entries(db: Any) -> list[dict[str, Any]]:
    """The queue as Firestore holds it: every open entry."""
    from google.cloud.firestore_v1.base_query import FieldFilter

    from shared.adapters.store import ENTRIES

    query = db.collection(ENTRIES).where(filter=FieldFilter("open", "==", True))
    return [s.to_dict() for s in query.stream()]


def grid_rows(page: Page, grid: str) -> Any:
    return page.locator(f"#{grid} .tabulator-row")


def cell_texts(page: Page, grid: str, field: str) -> list[str]:
    return list(
        page.locator(f"#{grid} .tabulator-row [tabulator-field='{field}']").all_inner_texts()
    )

"""Who gets in: staff see the console; a caller signs in and is shown the door, with no data."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Account, sign_in

pytestmark = pytest.mark.browser


def test_signed_out_people_see_the_sign_in_form(page: Page, shoot: Callable[[str], Path]) -> None:
    page.goto("#/queue")
    expect(page.get_by_role("heading", name="Staff sign-in")).to_be_visible()
    expect(page.locator("#nav")).to_be_hidden()
    page.get_by_label("E-mail").fill("nobody@console.callqueue.test")
    page.get_by_label("Password").fill("wrong-password")
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.locator("#sign-in .error-text")).to_have_text("Wrong e-mail or password.")
    shoot("sign-in")


def test_a_caller_is_refused(
    page: Page, caller: Account, places: object, shoot: Callable[[str], Path]
) -> None:
    staff_calls: list[str] = []
    page.on(
        "request",
        lambda request: (
            staff_calls.append(request.url)
            if "checkAuth" not in request.url and "/us-central1/" in request.url
            else None
        ),
    )
    page.goto("#/locations")
    page.get_by_label("E-mail").fill(caller.email)
    page.get_by_label("Password").fill(caller.password)
    page.get_by_role("button", name="Sign in", exact=True).click()

    refusal = page.locator("#not-authorised")
    expect(refusal.get_by_role("heading")).to_have_text("Not authorised")
    expect(refusal).to_contain_text(caller.email)
    expect(refusal).to_contain_text("does not have the staff role")
    expect(page.locator("#nav")).to_be_hidden()
    expect(page.locator(".tabulator")).to_have_count(0)
    assert staff_calls == [], "a caller's browser asked for staff data"
    shoot("refused")

    refusal.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Staff sign-in")).to_be_visible()


def test_staff_get_in_and_can_sign_out(page: Page, staff: Account) -> None:
    sign_in(page, staff)
    expect(page.locator("#nav")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Staff sign-in")).to_be_visible()
    expect(page.locator("#nav")).to_be_hidden()

"""Caller statistics page: per-caller figures from the attempt history, over a period."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests import harness
from tests.browser.conftest import Account, sign_in, token_of
from tools import demo

pytestmark = pytest.mark.browser


def test_caller_statistics_page(
    page: Page,
    api: harness.HttpApi,
    places: demo.DemoData,
    staff: Account,
    caller: Account,
    shoot: Callable[[str], Path],
) -> None:
    ids = [p.id for p in places.locations[:3]]
    body = {"reason": "New location", "priority_group": 2, "location_ids": ids}
    assert api.call("bulkEnqueue", token_of(staff), json=body).status == 200
    token = token_of(caller)
    # One call reported, one given back.
    first = api.call("requestCall", token, params={"state": "all"}).body
    report = {"Location": first["id"], "Availability": ["walk_ins_only"]}
    assert api.call("submitReport", token, json=report).status == 200
    second = api.call("requestCall", token, params={"state": "all"}).body
    assert api.call("releaseCall", token, json=second["lease"]).status == 200

    sign_in(page, staff, "#/caller-statistics")
    expect(page.get_by_role("link", name="Caller statistics")).to_have_class("active")
    row = page.locator(f"#caller-stats tr[data-uid='{caller.uid}']")
    expected = {
        "caller": caller.email,
        "claims": "2",
        "completed": "1",
        "skips": "0",
        "expiries": "0",
        "releases": "1",
    }
    for name, text in expected.items():
        expect(row.locator(f"[data-field={name}]")).to_have_text(text)
    expect(row.locator("[data-field=median]")).to_contain_text("(of 1)")
    expect(page.locator(".pager-label")).to_have_text("Page 1 of 1 · 1 caller")
    shoot("all-time")

    page.get_by_label("Period").select_option("7")
    expect(row.locator("[data-field=claims]")).to_have_text("2")
    stats = api.call("callerStatistics", token_of(staff), method="GET", params={"days": "7"})
    assert stats.body["since"] is not None
    assert [(c["uid"], c["claims"]) for c in stats.body["callers"]] == [(caller.uid, 2)]

"""Overview page: counts by status and group, claims and reports per hour."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests import harness
from tests.browser.conftest import Account, sign_in, token_of
from tools import demo

pytestmark = pytest.mark.browser


def test_overview_counts_and_chart(
    page: Page,
    api: harness.HttpApi,
    places: demo.DemoData,
    staff: Account,
    caller: Account,
    shoot: Callable[[str], Path],
) -> None:
    ids = [p.id for p in places.locations]
    staff_token = token_of(staff)
    for group, chunk in ((1, ids[:4]), (2, ids[4:10]), (99, ids[10:12])):
        body = {"reason": "New location", "priority_group": group, "location_ids": chunk}
        assert api.call("bulkEnqueue", staff_token, json=body).status == 200
    assert api.call("requestCall", token_of(caller), params={"state": "all"}).status == 200

    sign_in(page, staff, "#/overview")
    stat = page.locator("#status-counts")
    expect(stat.locator("[data-stat=open] .stat-value")).to_have_text("12")
    expect(stat.locator("[data-stat=claimed] .stat-value")).to_have_text("1")
    expect(stat.locator("[data-stat=available] .stat-value")).to_have_text("11")
    expect(page.locator("#group-counts tr[data-group='1'] td").nth(1)).to_have_text("4")
    expect(page.locator("#group-counts tr[data-group='2'] td").nth(1)).to_have_text("6")
    expect(page.locator("#group-counts tr[data-group='99'] td").nth(1)).to_have_text("2")
    expect(page.locator("#overview-updated")).to_contain_text("refreshes every 30 s")
    # No freshness target: no headline (tests/browser/test_freshness.py shows it).
    expect(page.locator("#freshness-headline")).to_be_hidden()
    overview = api.call("queueOverview", staff_token, method="GET").body
    assert len(overview["per_hour"]) == 24
    assert sum(h["claims"] for h in overview["per_hour"]) == 1
    # The chart's table shows what the server counted, hour by hour.
    page.get_by_text("As a table").click()
    hours = page.locator("#per-hour-table tbody tr")
    expect(hours).to_have_count(24)
    shown = [
        (r.get_attribute("data-hour"), r.locator("td").nth(1).inner_text()) for r in hours.all()
    ]
    assert shown == [(h["hour"], str(h["claims"])) for h in overview["per_hour"]]
    expect(page.locator("#per-hour-chart")).to_be_visible()
    shoot("overview")

"""Locations page: filter, select (a page, all matching, a shift-click range), add to the queue."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests import harness
from tests.browser.conftest import (
    Account,
    cell_texts,
    grid_rows,
    open_entries,
    sign_in,
    token_of,
)
from tools import demo

pytestmark = pytest.mark.browser

NEW_REASON = "Console check: county sweep"


def test_add_all_matching_a_county_with_a_new_reason(
    page: Page,
    api: harness.HttpApi,
    db: Any,
    places: demo.DemoData,
    staff: Account,
    shoot: Callable[[str], Path],
) -> None:
    fresno = sorted(p.id for p in places.locations if p.county == "Fresno County")
    assert len(fresno) > 20  # spans three pages of 10
    queued_before = fresno[:2]
    reply = api.call(
        "bulkEnqueue",
        token_of(staff),
        json={"reason": "Stale report", "priority_group": 3, "location_ids": queued_before},
    )
    assert reply.status == 200, reply.body

    sign_in(page, staff, "#/locations")
    page.get_by_label("County").select_option("Fresno County")
    page.get_by_label("Rows").select_option("10")
    pager = page.locator(".pager-label")
    expect(pager).to_have_text(f"Page 1 of 3 · {len(fresno)} matching")
    expect(grid_rows(page, "locations-grid")).to_have_count(10)
    assert set(cell_texts(page, "locations-grid", "county")) == {"Fresno County"}

    page.locator("#locations-grid .tabulator-header input[type=checkbox]").check()
    selection = page.locator("#selection-count")
    expect(selection).to_have_text("10 locations selected on this page.")
    page.get_by_role("button", name=f"Select all {len(fresno)} matching this filter").click()
    expect(selection).to_have_text(
        f"All {len(fresno)} locations matching this filter are selected."
    )
    shoot("selected")

    page.get_by_label("Reason").fill(NEW_REASON)
    page.get_by_label("Priority group").select_option("2")
    page.get_by_role("button", name=f"Add all {len(fresno)} to queue…").click()
    expect(page.locator("#dry-run-text")).to_have_text(
        f"Of {len(fresno)} selected locations: {len(fresno) - 2} will be added to the queue "
        f"with reason “{NEW_REASON}” in group 2; 2 already queued will be raised to group 2; "
        "0 are already queued; 0 need attention."
    )
    assert len(open_entries(db)) == 2, "the dry run wrote something"
    shoot("dry-run")

    page.get_by_role("button", name=f"Add {len(fresno) - 2} to the queue").click()
    expect(page.locator("#bulk-result")).to_have_text(
        f"Added {len(fresno) - 2} locations with reason {NEW_REASON}; "
        "2 already queued were raised to group 2; 0 were already queued; 0 need attention."
    )
    shoot("result")
    added = [e for e in open_entries(db) if e["reason"] == NEW_REASON]
    assert sorted(e["location_id"] for e in added) == fresno[2:]
    assert {e["priority_group"] for e in added} == {2}
    raised = [e for e in open_entries(db) if e["location_id"] in queued_before]
    assert {(e["priority_group"], tuple(e["extra_reasons"])) for e in raised} == {
        (2, (NEW_REASON,))
    }
    expect(page.locator("#locations-grid .badge.queued")).to_have_count(10)

    page.get_by_role("link", name="Queue").click()
    page.get_by_label("Reason").select_option(NEW_REASON)
    expect(page.locator(".pager-label")).to_have_text(
        f"Page 1 of 1 · {len(fresno) - 2} open entries"
    )
    expect(grid_rows(page, "queue-grid")).to_have_count(len(fresno) - 2)
    assert set(cell_texts(page, "queue-grid", "reason")) == {NEW_REASON}
    assert set(cell_texts(page, "queue-grid", "status")) == {"Available"}
    names = {p.id: p.name for p in places.locations}
    assert sorted(cell_texts(page, "queue-grid", "location_name")) == sorted(
        names[i] for i in fresno[2:]
    )
    shoot("queue")


def test_shift_click_selects_a_range(
    page: Page,
    api: harness.HttpApi,
    db: Any,
    places: demo.DemoData,
    staff: Account,
    shoot: Callable[[str], Path],
) -> None:
    sign_in(page, staff, "#/locations")
    page.get_by_label("County").select_option("Santa Clara County")
    page.get_by_label("Rows").select_option("10")
    rows = grid_rows(page, "locations-grid")
    expect(rows).to_have_count(10)
    selection = page.locator("#selection-count")

    # Checkboxes add to the selection; shift-click ticks the range from the last one.
    rows.nth(1).locator("input.row-check").click()
    rows.nth(3).locator("input.row-check").click()
    expect(selection).to_have_text("2 locations selected on this page.")
    rows.nth(7).locator("input.row-check").click(modifiers=["Shift"])
    expect(selection).to_have_text("6 locations selected on this page.")
    selected = page.locator("#locations-grid .tabulator-row.tabulator-selected")
    names = cell_texts(page, "locations-grid", "name")
    picked = [names[1], *names[3:8]]
    assert selected.locator("[tabulator-field='name']").all_inner_texts() == picked
    expect(page.locator("#locations-grid input.row-check:checked")).to_have_count(6)
    shoot("range")

    # A click on a row selects just that row; shift-click on another selects the rows between.
    rows.nth(0).locator("[tabulator-field='address']").click()
    expect(selection).to_have_text("1 location selected on this page.")
    rows.nth(2).locator("[tabulator-field='address']").click(modifiers=["Shift"])
    expect(selection).to_have_text("3 locations selected on this page.")
    expect(page.locator("#locations-grid input.row-check:checked")).to_have_count(3)

    # Back to the checkbox range, and add exactly those to the queue.
    page.get_by_role("button", name="Clear selection").click()
    expect(selection).to_have_text("No locations selected.")
    rows.nth(3).locator("input.row-check").click()
    rows.nth(7).locator("input.row-check").click(modifiers=["Shift"])
    expect(selection).to_have_text("5 locations selected on this page.")
    page.get_by_label("Reason").fill("Eva tip")
    page.get_by_label("Priority group").select_option("1")
    page.get_by_role("button", name="Add 5 to queue…").click()
    page.get_by_role("button", name="Add 5 to the queue").click()
    expect(page.locator("#bulk-result")).to_have_text(
        "Added 5 locations with reason Eva tip; 0 were already queued; 0 need attention."
    )
    by_name = {p.name: p.id for p in places.locations}
    queued = open_entries(db)
    assert sorted(e["location_id"] for e in queued) == sorted(by_name[n] for n in names[3:8])
    assert {(e["reason"], e["priority_group"]) for e in queued} == {("Eva tip", 1)}


def test_server_refusals_are_shown_in_its_words(
    page: Page, api: harness.HttpApi, places: demo.DemoData, staff: Account
) -> None:
    sign_in(page, staff, "#/locations")
    expect(grid_rows(page, "locations-grid")).to_have_count(50)
    grid_rows(page, "locations-grid").nth(0).locator("input.row-check").click()
    page.get_by_label("Reason").fill("x" * 101)  # longer than any reason may be
    page.get_by_role("button", name="Add 1 to queue…").click()
    reply = api.call(
        "bulkEnqueue",
        token_of(staff),
        json={"reason": "x" * 101, "location_ids": [places.locations[0].id], "dry_run": True},
    )
    assert reply.status == 400
    expect(page.locator("#notice-text")).to_have_text(reply.body["error_description"])
    expect(page.locator("#notice")).to_have_class("notice error")

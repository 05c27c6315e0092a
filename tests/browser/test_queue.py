"""Queue page: filter by status, a row's history, actions on a selection, CSV export."""

from __future__ import annotations

import csv
import io
import re
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

CSV_COLUMNS = [
    "entry_id",
    "location_id",
    "location_name",
    "state",
    "reason",
    "priority_group",
    "status",
    "holder_email",
    "claimed_until",
    "added_at",
]


def enqueue(api: harness.HttpApi, staff: Account, ids: list[str], **body: Any) -> Any:
    reply = api.call(
        "bulkEnqueue",
        token_of(staff),
        json={"reason": "Stale report", "priority_group": 2, "location_ids": ids, **body},
    )
    assert reply.status == 200, reply.body
    return reply.body


def claim(api: harness.HttpApi, caller: Account) -> Any:
    reply = api.call("requestCall", token_of(caller), params={"state": "all"})
    assert reply.status == 200, reply.body
    return reply.body


def test_clear_a_claim_held_by_a_caller(
    page: Page,
    api: harness.HttpApi,
    db: Any,
    places: demo.DemoData,
    staff: Account,
    caller: Account,
    shoot: Callable[[str], Path],
) -> None:
    enqueue(api, staff, [p.id for p in places.locations[:3]])
    lease = claim(api, caller)["lease"]

    sign_in(page, staff, "#/queue")
    expect(page.locator(".pager-label")).to_have_text("Page 1 of 1 · 3 open entries")
    page.get_by_label("Status").select_option("claimed")
    rows = grid_rows(page, "queue-grid")
    expect(rows).to_have_count(1)
    assert cell_texts(page, "queue-grid", "holder_email") == [caller.email]
    assert re.fullmatch(r"(19|20) min \d+ s", cell_texts(page, "queue-grid", "time_left_s")[0])
    shoot("claimed")

    rows.nth(0).locator("a.entry-link").click()
    history = page.locator("#entry-details")
    expect(history).to_be_visible()
    facts = history.locator("dl.facts")
    expect(facts.locator("dt", has_text="Holder").locator("+ dd")).to_have_text(caller.email)
    expect(facts.locator("dt", has_text="Status").locator("+ dd")).to_have_text("claimed")
    expect(history.locator("table").first).to_contain_text(caller.email)
    expect(history.locator("table").first).to_contain_text("in progress")
    shoot("history")
    history.get_by_role("button", name="Close").click()
    expect(history).to_have_count(0)
    expect(page.locator("#selection-count")).to_have_text("No entries selected.")

    rows.nth(0).locator("input.row-check").click()
    page.get_by_role("button", name="Clear claims").click()
    expect(page.locator("#queue-result")).to_have_text("Cleared 1 claim.")
    expect(rows).to_have_count(0)
    expect(page.locator(".pager-label")).to_have_text("Page 1 of 1 · 0 open entries")

    entry = next(e for e in open_entries(db) if e["id"] == lease["entry_id"])
    assert entry["holder"] is None
    listed = api.call(
        "listEntries", token_of(staff), method="GET", params={"status": "available"}
    ).body
    assert lease["entry_id"] in {e["entry_id"] for e in listed["entries"]}

    page.get_by_label("Status").select_option("all")
    expect(rows).to_have_count(3)
    page.locator("#queue-grid a.entry-link", has_text=entry_name(places, entry)).click()
    expect(page.locator("#entry-details table").first).to_contain_text("cleared")
    shoot("history-after-clear")


def entry_name(places: demo.DemoData, entry: dict[str, Any]) -> str:
    return next(p.name for p in places.locations if p.id == entry["location_id"])


def test_export_the_selection_as_csv(
    page: Page,
    api: harness.HttpApi,
    places: demo.DemoData,
    staff: Account,
    caller: Account,
    tmp_path: Path,
) -> None:
    enqueue(api, staff, [p.id for p in places.locations[:4]])
    claim(api, caller)
    sign_in(page, staff, "#/queue")
    rows = grid_rows(page, "queue-grid")
    expect(rows).to_have_count(4)
    page.locator("#queue-grid .tabulator-header input[type=checkbox]").check()
    rows.nth(2).locator("input.row-check").click()
    expect(page.locator("#selection-count")).to_have_text("3 entries selected.")
    shown = cell_texts(page, "queue-grid", "location_name")
    picked = [name for i, name in enumerate(shown) if i != 2]

    with page.expect_download() as download_info:
        page.get_by_role("button", name="Export CSV").click()
    download = download_info.value
    assert re.fullmatch(r"queue-\d{8}T\d{6}Z\.csv", download.suggested_filename)
    saved = tmp_path / "export.csv"
    download.save_as(saved)
    expect(page.locator("#notice")).to_contain_text("Exported 3 entries as CSV.")

    text = saved.read_bytes().decode("utf-8")
    assert text.endswith("\r\n")
    table = list(csv.DictReader(io.StringIO(text, newline="")))
    listed = api.call("listEntries", token_of(staff), method="GET", params={"limit": "50"}).body
    by_name = {e["location_name"]: e for e in listed["entries"]}
    expected = [by_name[name] for name in picked]
    assert list(table[0].keys()) == CSV_COLUMNS
    assert table == [{c: "" if e[c] is None else str(e[c]) for c in CSV_COLUMNS} for e in expected]


def test_move_bump_and_remove(
    page: Page,
    api: harness.HttpApi,
    db: Any,
    places: demo.DemoData,
    staff: Account,
    shoot: Callable[[str], Path],
) -> None:
    enqueue(api, staff, [p.id for p in places.locations[:5]])
    sign_in(page, staff, "#/queue")
    rows = grid_rows(page, "queue-grid")
    expect(rows).to_have_count(5)
    names = cell_texts(page, "queue-grid", "location_name")

    rows.nth(0).locator("input.row-check").click()
    rows.nth(1).locator("input.row-check").click(modifiers=["Shift"])
    page.get_by_label("Priority group to move to").select_option("1")
    page.get_by_role("button", name="Move to group").click()
    expect(page.locator("#queue-result")).to_have_text("Moved 2 entries to group 1.")
    by_location = {p.id: p.name for p in places.locations}
    groups = {by_location[e["location_id"]]: e["priority_group"] for e in open_entries(db)}
    assert groups == {name: 1 if name in names[:2] else 2 for name in names}

    page.get_by_label("Priority group", exact=True).select_option("2")
    expect(rows).to_have_count(3)
    last = cell_texts(page, "queue-grid", "location_name")[-1]
    rows.filter(has=page.locator("a.entry-link", has_text=last)).locator("input.row-check").click()
    page.get_by_role("button", name="Bump to top").click()
    expect(page.locator("#queue-result")).to_have_text("Moved 1 entry to the top of their group.")
    in_group = sorted(
        (e for e in open_entries(db) if e["priority_group"] == 2), key=lambda e: e["position"]
    )
    assert by_location[in_group[0]["location_id"]] == last

    page.locator("#queue-grid .tabulator-header input[type=checkbox]").check()
    page.get_by_role("button", name="Remove").click()
    dialog = page.locator("dialog.ask")
    expect(dialog).to_contain_text("3 entries will leave the queue")
    shoot("remove-asks")
    dialog.get_by_role("button", name="Remove 3").click()
    expect(page.locator("#queue-result")).to_have_text("Removed 3 entries from the queue.")
    expect(rows).to_have_count(0)
    assert sorted(by_location[e["location_id"]] for e in open_entries(db)) == sorted(names[:2])

"""Bulk adds page: the recent adds, and undo that leaves what a caller is working on."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests import harness
from tests.browser.conftest import Account, open_entries, sign_in, token_of
from tools import demo

pytestmark = pytest.mark.browser


def test_undo_a_bulk_add(
    page: Page,
    api: harness.HttpApi,
    db: Any,
    places: demo.DemoData,
    staff: Account,
    caller: Account,
    shoot: Callable[[str], Path],
) -> None:
    ids = [p.id for p in places.locations[:3]]
    added = api.call(
        "bulkEnqueue",
        token_of(staff),
        json={"reason": "Data corrections", "priority_group": 4, "location_ids": ids},
    ).body
    assert added["added"] == 3, added
    claimed = api.call("requestCall", token_of(caller), params={"state": "all"}).body
    held = claimed["lease"]["entry_id"]

    sign_in(page, staff, "#/bulk-adds")
    row = page.locator(f"#bulk-adds tr[data-bulk-id='{added['bulk_id']}']")
    expect(row).to_contain_text("Data corrections")
    expect(row).to_contain_text(staff.email)
    expect(row.locator("td").nth(4)).to_have_text("3")
    shoot("list")

    row.get_by_role("button", name="Undo").click()
    dialog = page.locator("dialog.ask")
    expect(dialog).to_contain_text("It added 3 entries with reason “Data corrections”")
    dialog.get_by_role("button", name="Undo").click()
    expect(page.locator("#undo-result")).to_have_text(
        "Removed 2 entries; 1 kept because someone claimed or reported on them."
    )
    expect(row.locator("td").nth(5)).to_contain_text("(removed 2)")
    expect(row.get_by_role("button", name="Undo")).to_be_disabled()
    shoot("undone")
    assert [e["id"] for e in open_entries(db)] == [held]

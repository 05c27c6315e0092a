"""Locations page: mark a held place do-not-call (its attempt ends), filter by it, undo it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from shared.adapters import store
from tests import harness
from tests.browser.conftest import Account, grid_rows, sign_in, token_of
from tools import demo

pytestmark = pytest.mark.browser

WHY = "Asked us to stop calling"


def test_mark_a_held_place_do_not_call_then_callable_again(
    page: Page,
    api: harness.HttpApi,
    db: Any,
    places: demo.DemoData,
    staff: Account,
    caller: Account,
    shoot: Callable[[str], Path],
) -> None:
    humboldt = sorted(
        (p for p in places.locations if p.county == "Humboldt County"), key=lambda p: p.id
    )
    held, bare = humboldt[0], humboldt[1]
    db.collection(store.LOCATIONS).document(bare.id).update(
        {"phone": None, "callable_state": "no_phone"}
    )
    staff_token, caller_token = token_of(staff), token_of(caller)
    added = api.call(
        "bulkEnqueue", staff_token, json={"reason": "Stale report", "location_ids": [held.id]}
    )
    assert added.body["added"] == 1, added.body
    lease = api.call("requestCall", caller_token, params={"state": "all"}).body["lease"]

    sign_in(page, staff, "#/locations")
    page.get_by_label("Name").fill(held.name)
    # The filtered page has come (not just fewer rows of a page still loading): a reload after
    # the tick would drop the selection.
    expect(page.locator(".pager-label")).to_have_text("Page 1 of 1 · 1 matching")
    expect(grid_rows(page, "locations-grid")).to_have_count(1)
    # No page still on its way (a late one would replace the grid and drop the tick).
    page.wait_for_load_state("networkidle")
    page.locator("#locations-grid .tabulator-row input[type=checkbox]").first.check()
    expect(page.locator("#selection-count")).to_have_text("1 location selected on this page.")
    page.get_by_role("button", name="Mark do-not-call…").click()
    expect(page.locator("#bulk-panel")).to_contain_text("Say why these places must not be called.")
    page.get_by_label("Why").fill(WHY)
    page.get_by_role("button", name="Mark do-not-call…").click()
    expect(page.locator("#mark-preview")).to_have_text(
        "Of 1 selected location: 1 will be marked do-not-call; 1 open queue entry will be closed."
    )
    before = db.collection(store.LOCATIONS).document(held.id).get().to_dict()
    assert before.get("do_not_call") is not True, "the dry run wrote the mark"
    page.get_by_role("button", name="Go ahead").click()
    expect(page.locator("#mark-result")).to_have_text(
        "Of 1 selected location: 1 was marked do-not-call; 1 open queue entry was closed."
    )
    expect(page.locator("#locations-grid .badge.do_not_call")).to_have_text("do not call")
    shoot("marked")

    stored = db.collection(store.LOCATIONS).document(held.id).get().to_dict()
    assert (stored["do_not_call"], stored["do_not_call_reason"]) == (True, WHY)
    assert stored["do_not_call_email"] == staff.email
    attempt_id = f"{lease['entry_id']}-{lease['claim_seq']}"
    attempt = db.collection(store.ATTEMPTS).document(attempt_id).get().to_dict()
    assert attempt["outcome"] == "not_callable"
    refused = api.call("extendCall", caller_token, json=lease)
    assert (refused.status, refused.body["error"]) == (409, "not_callable")
    assert api.call("requestCall", caller_token, params={"state": "all"}).status == 404

    names = page.locator("#locations-grid .tabulator-row [tabulator-field='name']")
    page.get_by_label("Name").fill("")
    page.get_by_label("Callable", exact=True).select_option("do_not_call")
    expect(page.locator(".pager-label")).to_have_text("Page 1 of 1 · 1 matching")
    expect(names).to_have_text([held.name])
    page.get_by_label("Callable", exact=True).select_option("no_phone")
    expect(page.locator(".pager-label")).to_have_text("Page 1 of 1 · 1 matching")
    # The count alone says 1 for both filters: wait for the grid to show the other place.
    expect(names).to_have_text([bare.name])
    expect(page.locator("#locations-grid .badge.no_phone")).to_have_text("no phone")
    shoot("no-phone")

    page.get_by_label("Callable", exact=True).select_option("do_not_call")
    expect(page.locator(".pager-label")).to_have_text("Page 1 of 1 · 1 matching")
    expect(names).to_have_text([held.name])
    page.wait_for_load_state("networkidle")
    page.locator("#locations-grid .tabulator-row input[type=checkbox]").first.check()
    expect(page.locator("#selection-count")).to_have_text("1 location selected on this page.")
    page.get_by_role("button", name="Mark callable again…").click()
    expect(page.locator("#mark-preview")).to_have_text(
        "Of 1 selected location: 1 will be made callable again."
    )
    page.get_by_role("button", name="Go ahead").click()
    expect(page.locator("#mark-result")).to_have_text(
        "Of 1 selected location: 1 was made callable again."
    )
    expect(page.locator(".pager-label")).to_contain_text("0 matching")
    again = db.collection(store.LOCATIONS).document(held.id).get().to_dict()
    assert (again["do_not_call"], again["callable_state"]) == (False, "callable")

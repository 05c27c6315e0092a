"""Queues and Callers pages: create a queue, assign a caller to a group."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from shared.adapters import store
from tests.browser.conftest import Account, sign_in, token_of

pytestmark = pytest.mark.browser


def test_create_a_queue(page: Page, db: Any, staff: Account, shoot: Callable[[str], Path]) -> None:
    sign_in(page, staff, "#/queues")
    expect(page.locator("#queues tr[data-queue='default']")).to_contain_text("every caller")
    form = page.locator("#queue-form")
    form.get_by_label("Name").fill("spanish")
    form.get_by_label("Description").fill("Places where Spanish helps")
    form.get_by_label("Caller groups").fill("spanish, experienced")
    form.get_by_label("Order").fill("2")
    form.get_by_label("Backfill minimum").fill("10")
    form.get_by_role("button", name="Save queue").click()
    expect(page.locator("#queue-saved")).to_have_text("Saved queue “spanish”.")
    row = page.locator("#queues tr[data-queue='spanish']")
    expect(row).to_contain_text("experienced, spanish")
    expect(row.locator("td").nth(4)).to_have_text("10")
    # Fall-through order: spanish (2) before the unsaved default (1000).
    expect(page.locator("#queues tbody tr").first).to_have_attribute("data-queue", "spanish")
    shoot("created")
    stored = db.collection(store.QUEUES).document("spanish").get().to_dict()
    assert stored["groups"] == ["experienced", "spanish"]
    assert stored["order"] == 2
    assert stored["backfill_min"] == 10

    row.get_by_role("button", name="Edit").click()
    expect(form.get_by_label("Name")).to_have_value("spanish")
    form.get_by_label("Caller groups").fill("spanish")
    form.get_by_role("button", name="Save queue").click()
    expect(row.locator("td").nth(3)).to_have_text("spanish")


def test_assign_a_caller_to_a_group(
    page: Page,
    db: Any,
    staff: Account,
    caller: Account,
    shoot: Callable[[str], Path],
) -> None:
    token_of(caller)
    sign_in(page, staff, "#/callers")
    row = page.locator(f"#callers tr[data-uid='{caller.uid}']")
    expect(row).to_contain_text(caller.email)
    row.get_by_label(f"Groups of {caller.email}").fill("Trainee, spanish")
    row.get_by_role("button", name="Save groups").click()
    expect(row.get_by_text("Saved")).to_be_visible()
    expect(row.get_by_label(f"Groups of {caller.email}")).to_have_value("spanish, trainee")
    shoot("assigned")
    stored = db.collection(store.CALLERS).document(caller.uid).get().to_dict()
    assert stored["groups"] == ["spanish", "trainee"]
    page.reload()
    expect(row.get_by_label(f"Groups of {caller.email}")).to_have_value("spanish, trainee")

"""Reviews page: flagged reports oldest first beside earlier ones; approve; send back."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from shared.adapters import store
from shared.domain.models import Report
from tests import harness
from tests.browser.conftest import Account, open_entries, sign_in, token_of
from tools import demo

pytestmark = pytest.mark.browser


def test_review_page(
    page: Page,
    api: harness.HttpApi,
    db: Any,
    places: demo.DemoData,
    staff: Account,
    caller: Account,
    shoot: Callable[[str], Path],
) -> None:
    first, second, third = places.locations[:3]
    # An earlier, unflagged report on the first place, straight into Firestore.
    earlier = Report(
        id="earlier-report",
        location_id=first.id,
        reported_by="someone",
        reporter_email="earlier@console.callqueue.test",
        created_at=datetime.now(UTC) - timedelta(days=2),
        availability=["walk_ins_only"],
        availability_names=["Yes: walk-ins accepted"],
        body={"Notes": "Earlier visit went fine"},
    )
    db.collection(store.REPORTS).document(earlier.id).set(earlier.stored())
    token = token_of(caller)
    # The caller claims once, so the statistics list them.
    body = {"reason": "New location", "location_ids": [third.id]}
    assert api.call("bulkEnqueue", token_of(staff), json=body).status == 200
    assert api.call("requestCall", token, params={"state": "all"}).status == 200
    flagged = {}
    for place, because in ((first, "Hours look wrong"), (second, "Said they closed")):
        report = {
            "Location": place.id,
            "Availability": ["walk_ins_only"],
            "is_pending_review": True,
            "pending_review_because": because,
        }
        reply = api.call("submitReport", token, json=report)
        assert reply.status == 200, reply.body
        flagged[place.id] = reply.body["created"][0]

    sign_in(page, staff, "#/reviews")
    expect(page.get_by_role("link", name="Reviews")).to_have_class("active")
    cards = page.locator("#reviews article.review")
    expect(cards).to_have_count(2)
    expect(cards.nth(0)).to_have_attribute("data-report-id", flagged[first.id])
    expect(cards.nth(1)).to_have_attribute("data-report-id", flagged[second.id])
    top = cards.nth(0)
    expect(top.locator("h2")).to_contain_text(first.name)
    expect(top.locator("[data-field=why]")).to_contain_text("the caller asked for review")
    expect(top.locator("[data-field=why]")).to_contain_text("Hours look wrong")
    expect(top.locator("[data-part=earlier]")).to_contain_text("Earlier visit went fine")
    expect(cards.nth(1).locator("[data-part=earlier]")).to_contain_text("No earlier reports.")
    expect(page.locator(".pager-label")).to_have_text("Page 1 of 1 · 2 reports")
    shoot("pending")

    top.get_by_label("Note").fill("Checked the website")
    top.get_by_role("button", name="Approve").click()
    expect(page.locator("#review-result")).to_have_text(f"Approved the report on {first.name}.")
    expect(cards).to_have_count(1)
    approved = db.collection(store.REPORTS).document(flagged[first.id]).get().to_dict()
    assert (approved["review_status"], approved["review_note"]) == (
        "approved",
        "Checked the website",
    )

    left = cards.nth(0)
    left.get_by_label("Reason").fill("Review: call again")
    left.get_by_label("Group").select_option("1")
    left.get_by_role("button", name="Send back to queue").click()
    expect(page.locator("#review-result")).to_contain_text(
        f"Sent {second.name} back to the queue with reason “Review: call again”: 1 added"
    )
    expect(page.locator("#reviews")).to_contain_text("Nothing here.")
    requeued = db.collection(store.REPORTS).document(flagged[second.id]).get().to_dict()
    assert requeued["review_status"] == "requeued"
    queued = {e["location_id"]: e for e in open_entries(db)}
    assert (queued[second.id]["reason"], queued[second.id]["priority_group"]) == (
        "Review: call again",
        1,
    )
    assert queued[second.id]["bulk_id"] == requeued["review_bulk_id"]

    page.get_by_label("Show").select_option("requeued")
    decision = cards.nth(0).locator("[data-field=decision]")
    expect(decision).to_contain_text("Sent back to the queue with reason “Review: call again”")
    expect(decision).to_contain_text(staff.email)
    shoot("requeued")

    page.goto("#/bulk-adds")
    row = page.locator(f"#bulk-adds tr[data-bulk-id='{requeued['review_bulk_id']}']")
    expect(row).to_contain_text("Review: call again")

    page.goto("#/caller-statistics")
    stats = page.locator(f"#caller-stats tr[data-uid='{caller.uid}']")
    for name, text in {
        "reviews_flagged": "2",
        "reviews_pending": "0",
        "reviews_approved": "1",
        "reviews_requeued": "1",
    }.items():
        expect(stats.locator(f"[data-field={name}]")).to_have_text(text)
    shoot("caller-statistics")

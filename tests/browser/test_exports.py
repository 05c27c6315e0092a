"""Export page: a period's reports and attempts as CSV files, compared with Firestore."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from shared.adapters import store
from shared.base.clock import iso
from tests import harness
from tests.browser.conftest import Account, sign_in, token_of
from tools import demo

pytestmark = pytest.mark.browser


def export_file(page: Page, tmp_path: Path, kind: str) -> list[dict[str, str]]:
    page.get_by_label("What").select_option(kind)
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Export CSV").click()
    download = download_info.value
    assert download.suggested_filename.startswith(f"{kind}-")
    saved = tmp_path / f"{kind}.csv"
    download.save_as(saved)
    text = saved.read_bytes().decode("utf-8")
    assert text.endswith("\r\n")
    return list(csv.DictReader(io.StringIO(text, newline="")))


def test_export_reports_and_attempts_of_the_last_week(
    page: Page,
    api: harness.HttpApi,
    db: Any,
    places: demo.DemoData,
    staff: Account,
    caller: Account,
    tmp_path: Path,
    shoot: Callable[[str], Path],
) -> None:
    fresno = sorted(p.id for p in places.locations if p.county == "Fresno County")[:3]
    db.collection(store.LOCATIONS).document(fresno[0]).update({"name": "=1+2 Pharmacy"})
    staff_token, caller_token = token_of(staff), token_of(caller)
    added = api.call("bulkEnqueue", staff_token, json={"reason": "Stale", "location_ids": fresno})
    assert added.body["added"] == 3, added.body
    for notes in ("@SUM(1)", "fine", "-call back"):
        offer = api.call("requestCall", caller_token, params={"state": "all"}).body
        report = {"Location": offer["id"], "Availability": ["Yes: walk-ins accepted"]}
        reply = api.call("submitReport", caller_token, json={**report, "Notes": notes})
        assert reply.status == 200, reply.body

    # The page streams to a picked file where it can; here it gathers pages and downloads.
    page.add_init_script("delete window.showSaveFilePicker")
    sign_in(page, staff, "#/export")
    expect(page.get_by_label("County")).to_contain_text("Fresno County")
    reports = export_file(page, tmp_path, "reports")
    expect(page.locator("#export-progress")).to_contain_text("Exported 3 rows to reports-")
    shoot("reports")

    stored = {s.id: s.to_dict() for s in db.collection(store.REPORTS).stream()}
    assert {r["report_id"] for r in reports} == set(stored)
    for row in reports:
        data = stored[row["report_id"]]
        assert row["created_at"] == iso(data["created_at"])
        assert (row["location_id"], row["county"]) == (data["location_id"], "Fresno County")
        assert row["reporter_email"] == caller.email
    assert {r["notes"] for r in reports} == {"'@SUM(1)", "fine", "'-call back"}
    assert "'=1+2 Pharmacy" in {r["location_name"] for r in reports}

    attempts = export_file(page, tmp_path, "attempts")
    assert {r["attempt_id"] for r in attempts} == {
        s.id for s in db.collection(store.ATTEMPTS).stream()
    }
    assert {r["outcome"] for r in attempts} == {"completed"}

    page.get_by_label("County").select_option("Kern County")
    assert export_file(page, tmp_path, "reports") == []
    expect(page.locator("#export-progress")).to_contain_text("Exported 0 rows")

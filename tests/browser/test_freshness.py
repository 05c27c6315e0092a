"""Freshness page: targets saved, edited and deleted through the form, their figures and
forecast checked against the API and Firestore, "Refresh now", and the Overview's headline.

The places are the browser tests' made-up ones with their latest reports set by age class
(a quarter each): 2 hours old (within, not due), 65 hours (within, due: a 72-hour target with
a 12-hour lead), 100 hours (overdue) and never reported (overdue).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect

from shared.adapters import store
from tests import harness
from tests.browser.conftest import Account, open_entries, sign_in, token_of
from tools import demo
from tools.importer import write_documents

pytestmark = pytest.mark.browser

TARGETS = "freshness_targets"  # the contract's collection
AGES: tuple[timedelta | None, ...] = (
    timedelta(hours=2),
    timedelta(hours=65),
    timedelta(hours=100),
    None,
)


@dataclass(frozen=True)
class Aged:
    data: demo.DemoData
    latest: dict[str, datetime | None]  # place id -> its latest report
    county: str  # the county with the most places

    def callable_in(self, county: str | None) -> list[str]:
        return [
            p.id
            for p in self.data.locations
            if p.callable_state == "callable" and (county is None or p.county == county)
        ]


@pytest.fixture
def aged(db: Any) -> Aged:
    """The browser tests' made-up places, open around the clock, with reports of four ages."""
    from shared.adapters.store import COUNTIES, LOCATIONS, PROVIDERS, REASONS

    now = datetime.now(UTC)
    data = demo.generate(120)
    latest: dict[str, datetime | None] = {}
    located = []
    for i, place in enumerate(data.locations):
        age = AGES[i % len(AGES)]
        latest[place.id] = None if age is None else now - age
        update = {"hours": "Open 24 hours", "latest_report_at": latest[place.id]}
        located.append(place.model_copy(update=update))
    data.locations = located
    write_documents(db, COUNTIES, data.counties)
    write_documents(db, PROVIDERS, data.providers)
    write_documents(db, LOCATIONS, data.locations)
    write_documents(db, REASONS, data.reasons)
    counties = Counter(p.county for p in data.locations if p.callable_state == "callable")
    return Aged(data, latest, counties.most_common(1)[0][0] or "")


def percent(share: float) -> str:
    """The console's percent (console/src/freshness.js): never 100% unless all, 0% unless none."""
    whole = math.floor(share * 100 + 0.5)
    if whole >= 100 and share < 1:
        whole = 99
    if whole <= 0 and share > 0:
        whole = 1
    return f"{whole}%"


def listed(api: harness.HttpApi, token: str) -> dict[str, Any]:
    reply = api.call("listFreshnessTargets", token, method="GET")
    assert reply.status == 200, reply.body
    return dict(reply.body)


def target_of(answer: dict[str, Any], target_id: str) -> dict[str, Any]:
    found = [t for t in answer["targets"] if t["id"] == target_id]
    assert len(found) == 1, answer
    return found[0]


def stat(card: Locator, name: str) -> Locator:
    return card.locator(f"[data-stat={name}] .stat-value")


def expect_figures(card: Locator, figures: dict[str, Any]) -> None:
    """The card shows the figures the API answers."""
    expect(stat(card, "share_within")).to_have_text(percent(figures["share_within"]))
    expect(stat(card, "overdue")).to_have_text(f"{figures['overdue']:,}")
    expect(stat(card, "places")).to_have_text(f"{figures['places']:,}")
    if figures["never_reported"]:
        expect(card.locator("[data-stat=oldest]")).to_contain_text(
            f"never reported: {figures['never_reported']:,}"
        )


def fill_target(page: Page, *, name: str, county: str | None, max_age: int) -> None:
    form = page.locator("#target-form")
    form.get_by_label("Name", exact=True).fill(name)
    if county is None:
        form.get_by_label("All places").check()
    else:
        form.get_by_label("Places matching this filter:").check()
        form.get_by_label("County").select_option(county)
    form.get_by_label("Max age (hours)").fill(str(max_age))
    form.get_by_label("Lead (hours)").fill("12")
    form.get_by_label("Queue").select_option("default")
    form.get_by_label("Reason").fill("Stale report")
    form.get_by_label("Group while due").select_option("3")
    form.get_by_label("Group once overdue").select_option("2")


def test_target_figures_refresh_forecast_edit_delete(
    page: Page,
    api: harness.HttpApi,
    db: Any,
    aged: Aged,
    staff: Account,
    caller: Account,
    shoot: Callable[[str], Path],
) -> None:
    staff_token = token_of(staff)
    county = aged.county
    ids = aged.callable_in(county)
    now = datetime.now(UTC)

    def age_class(place: str) -> timedelta | None:
        latest = aged.latest[place]
        return None if latest is None else now - latest

    within = [i for i in ids if (a := age_class(i)) is not None and a < timedelta(hours=72)]
    due = [i for i in within if (a := age_class(i)) is not None and a >= timedelta(hours=60)]
    overdue = [i for i in ids if i not in within]
    never = [i for i in ids if aged.latest[i] is None]
    assert due
    assert never
    assert len(overdue) > len(never) >= 2
    # One overdue place already queued in a less urgent group (raised), one closed (left out).
    queued_low, closed = overdue[0], overdue[-1]
    body = {"reason": "New location", "priority_group": 4, "location_ids": [queued_low]}
    assert api.call("bulkEnqueue", staff_token, json=body).status == 200
    db.collection(store.LOCATIONS).document(closed).update({"hours": "Temporarily closed"})

    sign_in(page, staff, "#/freshness")
    expect(page.get_by_role("link", name="Freshness")).to_have_class("active")
    expect(page.locator("#no-targets")).to_be_visible()
    fill_target(page, name="Busiest county weekly", county=county, max_age=72)
    page.locator("#target-form").get_by_role("button", name="Save target").click()
    expect(page.locator("#target-saved")).to_have_text("Saved target “Busiest county weekly”.")

    answer = listed(api, staff_token)
    assert len(answer["targets"]) == 1
    target = answer["targets"][0]
    stored = db.collection(TARGETS).document(target["id"]).get().to_dict()
    assert stored["filter"] == {"county": county}
    assert (stored["max_age_hours"], stored["lead_hours"]) == (72, 12)
    assert (stored["due_group"], stored["overdue_group"]) == (3, 2)
    assert (stored["queue"], stored["reason"]) == ("default", "Stale report")
    # The figures, counted here from the places written, from the API, and on the page.
    figures = target["figures"]
    assert (figures["places"], figures["within"], figures["overdue"]) == (
        len(ids),
        len(within),
        len(overdue),
    )
    assert figures["never_reported"] == len(never)
    assert figures["oldest_report_at"] is None
    card = page.locator(f"[data-target='{target['id']}']")
    expect(card.locator("[data-setting=places] dd")).to_have_text(f"county {county}")
    expect(card.locator("[data-setting='max age'] dd")).to_have_text("72 h")
    expect(card.locator("[data-setting=groups] dd")).to_have_text("3 while due, 2 once overdue")
    expect_figures(card, figures)
    headline = answer["headline"]
    assert (headline["places"], headline["overdue"]) == (len(ids), len(overdue))
    expect(page.locator("#freshness-headline")).to_have_text(
        f"{percent(headline['share_within'])} of places within target; {len(overdue)} overdue."
    )
    shoot("saved")

    # Refresh now: the due ones added in group 3, the overdue ones in group 2, the queued one
    # raised, the closed one left out.
    page.get_by_role("button", name="Refresh now").click()
    added = len(due) + len(overdue) - 2
    expect(page.locator("#refresh-result")).to_contain_text(
        f"Refreshed 1 target: added {added}, raised 1, 1 closed left out;"
    )
    entries = {e["location_id"]: e for e in open_entries(db)}
    assert closed not in entries
    assert {i for i in entries if entries[i]["priority_group"] == 2} == set(overdue) - {closed}
    assert {i for i in entries if entries[i]["priority_group"] == 3} == set(due)
    assert len(entries) == added + 1
    # Again: nothing added twice (in the same 10-minute slot the run fence says so too).
    page.get_by_role("button", name="Refresh now").click()
    expect(page.locator("#refresh-result")).to_contain_text("added 0, raised 0,")
    assert len(open_entries(db)) == added + 1

    # The forecast: nobody has called in the last hour.
    answer = listed(api, staff_token)
    figures = target_of(answer, target["id"])["figures"]
    forecast = card.locator(f"[data-forecast='{target['id']}']")
    expect(forecast.locator(".forecast-rate")).to_have_text(
        "No calls completed in the last hour: at this rate no group empties."
    )
    for group in figures["forecast"]["groups"]:
        in_firestore = sum(1 for e in entries.values() if e["priority_group"] == group["group"])
        assert group["open"] == in_firestore
        noun = "open entry" if group["open"] == 1 else "open entries"
        expect(forecast.locator(f"li[data-group='{group['group']}']")).to_have_text(
            f"Group {group['group']}: {group['open']} {noun}, does not empty"
        )
    # The refresh recorded today's share: the chart and its table show the API's days.
    history = figures["history"]
    assert history, "a refresh records the day's share"
    card.get_by_text("As a table").click()
    expect(card.locator("table.history tbody tr")).to_have_count(len(history))
    for day in history:
        expect(card.locator(f"tr[data-day='{day['day']}'] td").nth(1)).to_have_text(
            percent(day["share_within"])
        )
    expect(card.locator("canvas")).to_be_visible()

    # A caller completes one call: the rate is 1 an hour and the place is within again.
    caller_token = token_of(caller)
    call = api.call("requestCall", caller_token, params={"state": "all"}).body
    assert call["id"] in set(overdue), call
    report = {"Location": call["id"], "Availability": ["walk_ins_only"]}
    assert api.call("submitReport", caller_token, json=report).status == 200
    page.reload()
    answer = listed(api, staff_token)
    figures = target_of(answer, target["id"])["figures"]
    assert figures["within"] == len(within) + 1
    assert figures["forecast"]["calls_per_hour"] == 1
    expect_figures(card, figures)
    expect(forecast.locator(".forecast-rate")).to_have_text(
        "At 1 completed call an hour (the last hour's rate):"
    )
    expect(forecast.locator("li[data-group='3']")).to_contain_text("empties in")
    late = figures["forecast"]["will_pass_before_reached"]
    expect(forecast.locator(".forecast-late")).to_contain_text(
        f"{late} {'place' if late == 1 else 'places'} will pass"
    )
    shoot("refreshed")

    # Edit: a 24-hour max age; a refusal is shown in the server's words.
    card.get_by_role("button", name="Edit").click()
    form = page.locator("#target-form")
    expect(form.get_by_label("Name", exact=True)).to_have_value("Busiest county weekly")
    expect(form.get_by_label("County")).to_have_value(county)
    expect(form.get_by_label("Id", exact=True)).to_have_value(target["id"])
    form.get_by_label("Group once overdue").select_option("4")
    form.get_by_role("button", name="Save target").click()
    refused = api.call(
        "saveFreshnessTarget",
        staff_token,
        json={
            "id": target["id"],
            "name": "Busiest county weekly",
            "filter": {"county": county},
            "max_age_hours": 72,
            "lead_hours": 12,
            "queue": "default",
            "reason": "Stale report",
            "due_group": 3,
            "overdue_group": 4,
        },
    )
    assert refused.status == 400
    expect(page.locator("#notice-text")).to_have_text(refused.body["error_description"])
    form.get_by_label("Group once overdue").select_option("2")
    form.get_by_label("Max age (hours)").fill("24")
    form.get_by_role("button", name="Save target").click()
    expect(page.locator("#target-saved")).to_have_text("Saved target “Busiest county weekly”.")
    expect(card.locator("[data-setting='max age'] dd")).to_have_text("24 h")
    assert db.collection(TARGETS).document(target["id"]).get().to_dict()["max_age_hours"] == 24
    answer = listed(api, staff_token)
    assert len(answer["targets"]) == 1
    figures = target_of(answer, target["id"])["figures"]
    # Within 24 hours: the 2-hour-old reports and the one just made.
    assert figures["within"] == len([i for i in within if i not in due]) + 1
    expect_figures(card, figures)

    # Delete, after saying so.
    card.get_by_role("button", name="Delete…").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("Delete target “Busiest county weekly”?")
    dialog.get_by_role("button", name="Delete").click()
    expect(page.locator("#target-saved")).to_have_text("Deleted target “Busiest county weekly”.")
    expect(card).to_have_count(0)
    expect(page.locator("#no-targets")).to_be_visible()
    assert not db.collection(TARGETS).document(target["id"]).get().exists
    assert listed(api, staff_token)["headline"]["places"] == 0


def test_headline_on_the_overview(
    page: Page,
    api: harness.HttpApi,
    aged: Aged,
    staff: Account,
    shoot: Callable[[str], Path],
) -> None:
    staff_token = token_of(staff)
    sign_in(page, staff, "#/overview")
    expect(page.locator("[data-stat=open] .stat-value")).to_have_text("0")
    expect(page.locator("#freshness-headline")).to_be_hidden()

    # Every place within 72 hours, and the busiest county within 24: the union counts a place
    # once, within only if within both.
    page.get_by_role("link", name="Freshness").click()
    fill_target(page, name="Everything", county=None, max_age=72)
    page.locator("#target-form").get_by_role("button", name="Save target").click()
    expect(page.locator("#target-saved")).to_have_text("Saved target “Everything”.")
    page.get_by_role("button", name="New target").click()
    fill_target(page, name="Busiest county daily", county=aged.county, max_age=24)
    page.locator("#target-form").get_by_role("button", name="Save target").click()
    expect(page.locator("#target-saved")).to_have_text("Saved target “Busiest county daily”.")
    expect(page.locator("#freshness-targets .target")).to_have_count(2)
    # Editing the all-places target shows it as such.
    page.locator("[data-target=everything]").get_by_role("button", name="Edit").click()
    form = page.locator("#target-form")
    expect(form.get_by_label("Name", exact=True)).to_have_value("Everything")
    expect(form.get_by_label("All places")).to_be_checked()
    expect(form.get_by_label("County")).to_be_disabled()
    answer = listed(api, staff_token)
    everything = target_of(answer, "everything")
    assert everything["filter"] == {}
    now = datetime.now(UTC)
    places = aged.callable_in(None)
    county = set(aged.callable_in(aged.county))

    def fresh(place: str, hours: int) -> bool:
        latest = aged.latest[place]
        return latest is not None and now - latest < timedelta(hours=hours)

    inside = [p for p in places if fresh(p, 72) and (p not in county or fresh(p, 24))]
    headline = answer["headline"]
    assert (headline["places"], headline["within"]) == (len(places), len(inside))
    expected = (
        f"{percent(headline['share_within'])} of places within target; "
        f"{len(places) - len(inside)} overdue"
    )
    expect(page.locator("#freshness-headline")).to_have_text(f"{expected}.")

    page.get_by_role("link", name="Overview").click()
    overview = api.call("queueOverview", staff_token, method="GET").body
    assert overview["freshness"] == headline
    link = page.locator("#freshness-headline")
    expect(link).to_have_text(expected)
    shoot("overview")
    link.click()
    expect(page).to_have_url(f"{page.url.split('#')[0]}#/freshness")
    expect(page.locator("#freshness-targets .target")).to_have_count(2)

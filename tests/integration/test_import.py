"""Import and demo seeding against the emulators, through the real command line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from shared.adapters import store
from shared.adapters.store import COUNTIES, LOCATIONS, PROVIDERS, REASONS
from tools import demo, importer

pytestmark = pytest.mark.integration

ROOT = Path(__file__).parents[2]
DATA = ROOT / ".." / "shared" / "data"
SNAPSHOT = DATA / "vaccinateca-locations-2021-03-01.json"
SNAPSHOT_ROWS = 7772


def cli(project_id: str, *args: str) -> subprocess.CompletedProcess[str]:
    """`python -m tools.cli ARGS` with this test's emulators and project."""
    env = {**os.environ, "GOOGLE_CLOUD_PROJECT": project_id}
    return subprocess.run(
        [sys.executable, "-m", "tools.cli", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def count(db: Any, collection: str) -> int:
    return int(db.collection(collection).count().get()[0][0].value)


def sign_in(email: str, password: str, project_id: str) -> str:
    """An ID token from the Auth emulator's REST sign-in.

    The emulator maps every API key to its default project; naming the project (which it
    allows for the `owner` bearer) lets this work for whatever project the fixture uses.
    """
    url = (
        f"http://{os.environ['FIREBASE_AUTH_EMULATOR_HOST']}/identitytoolkit.googleapis.com/v1/"
        "accounts:signInWithPassword?key=any"
    )
    body = {
        "email": email,
        "password": password,
        "returnSecureToken": True,
        "targetProjectId": project_id,
    }
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "Authorization": "Bearer owner"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return str(json.load(response)["idToken"])


@pytest.mark.slow
@pytest.mark.skipif(not SNAPSHOT.is_file(), reason=f"real snapshot not found at {SNAPSHOT}")
def test_real_snapshot_imports_all_rows_and_reimport_is_idempotent(
    db: Any, project_id: str
) -> None:
    args = (
        "import-locations",
        str(SNAPSHOT),
        "--counties",
        str(DATA / "vaccinateca-counties-2021-03-01.json"),
        "--providers",
        str(DATA / "vaccinateca-providers-2021-03-01.json"),
        "--default-state",
        "CA",
    )
    for run in ("first", "second"):
        started = time.monotonic()
        result = cli(project_id, *args)
        print(f"{run} import: {time.monotonic() - started:.1f} s")
        assert result.returncode == 0, result.stderr[-2000:]
        assert "imported 7772 locations, 58 counties, 23 providers" in result.stdout
        assert count(db, LOCATIONS) == SNAPSHOT_ROWS
    assert (count(db, COUNTIES), count(db, PROVIDERS)) == (58, 23)
    sample = db.collection(LOCATIONS).document("rec00NpJzUnVDpLaQ").get().to_dict()
    assert (sample["state"], sample["county"]) == ("CA", "Los Angeles County")
    county = db.collection(COUNTIES).document(sample["county_id"]).get().to_dict()
    assert county["name"] == "Los Angeles County"


CSV_ROWS = (
    "id,Name,Address,County,Latitude,Longitude,Location Type,Has Report,Availability Info\n"
    'imp1,First Test Site,"1 A St, Fresno, CA 93701",Fresno County,36.7,-119.7,Pharmacy,1,'
    '"[""Yes: walk-ins accepted""]"\n'
    ',Nameless Id,"2 B St, Fresno, CA 93701",Fresno County,36.7,-119.7,Pharmacy,0,\n'
    'imp3,Third Test Site,"3 C St, Fresno, CA 93701",Fresno County,36.7,-119.7,Pharmacy,0,'
    '"No: no vaccine inventory, No: not open to the public"\n'
    'imp4,Fourth Test Site,"4 D St, Fresno, CA 93701",Fresno County,abc,-119.7,Pharmacy,0,\n'
    "imp5,Fifth Test Site,Somewhere in the valley,Fresno County,36.7,-119.7,Clinic,0,\n"
)


def test_csv_with_bad_rows_reports_them_and_imports_the_rest(
    db: Any, project_id: str, tmp_path: Path
) -> None:
    upload = tmp_path / "upload.csv"
    upload.write_text(CSV_ROWS, encoding="utf-8")
    result = cli(project_id, "import-locations", str(upload), "--default-state", "CA")
    assert result.returncode == 1, result.stderr
    output = result.stdout + result.stderr
    assert "upload.csv row 2 (line 3): id: is empty" in output
    assert "upload.csv row 4 (line 5) [id imp4]: Latitude: 'abc' is not a number" in output
    assert "imported 3 locations" in result.stdout
    assert "Traceback" not in output
    snapshots = db.get_all([db.collection(LOCATIONS).document(i) for i in ("imp1", "imp3", "imp5")])
    stored = {s.id: s.to_dict() for s in snapshots if s.exists}
    assert set(stored) == {"imp1", "imp3", "imp5"}
    assert count(db, LOCATIONS) == 3
    assert stored["imp1"]["availability_info"] == ["Yes: walk-ins accepted"]
    assert stored["imp3"]["availability_info"] == [
        "No: no vaccine inventory",
        "No: not open to the public",
    ]
    assert stored["imp5"]["state"] == "CA"


def test_reimport_updates_in_place_and_keeps_fields_the_app_added(db: Any, tmp_path: Path) -> None:
    upload = tmp_path / "locations.json"
    rows = [{"id": "keep1", "Name": "Old Name", "Address": "1 A St, Fresno, CA 93701"}]
    upload.write_text(json.dumps(rows), encoding="utf-8")
    assert importer.import_files(db, upload).imported == 1
    db.collection(LOCATIONS).document("keep1").update({"queued": True, "queue_reason": "Eva tip"})

    rows[0]["Name"] = "New Name"
    upload.write_text(json.dumps(rows), encoding="utf-8")
    summary = importer.import_files(db, upload)

    assert (summary.imported, summary.errors) == (1, [])
    stored = db.collection(LOCATIONS).document("keep1").get().to_dict()
    assert (stored["name"], stored["queued"], stored["queue_reason"]) == (
        "New Name",
        True,
        "Eva tip",
    )
    assert count(db, LOCATIONS) == 1


def test_locations_link_to_counties_imported_earlier(db: Any, tmp_path: Path) -> None:
    counties = tmp_path / "counties.json"
    counties.write_text(json.dumps([{"id": "cty1", "County": "Kings County"}]), encoding="utf-8")
    locations = tmp_path / "locations.json"
    rows = [{"id": "lnk1", "Name": "Linked", "County": "Kings County", "State": "CA"}]
    locations.write_text(json.dumps(rows), encoding="utf-8")
    importer.import_files(db, locations, counties=counties)
    importer.import_files(db, locations)  # no counties file: links to the stored county
    assert db.collection(LOCATIONS).document("lnk1").get().to_dict()["county_id"] == "cty1"


def test_import_stores_the_zone_of_each_place(db: Any, tmp_path: Path) -> None:
    upload = tmp_path / "locations.json"
    rows = [
        {"id": "elpaso", "Name": "El Paso", "State": "TX", "Latitude": 31.76, "Longitude": -106.49},
        {"id": "houston", "Name": "Houston", "State": "TX", "Latitude": 29.76, "Longitude": -95.37},
        {"id": "nowhere", "Name": "No point", "State": "TX"},
    ]
    upload.write_text(json.dumps(rows), encoding="utf-8")
    importer.import_files(db, upload)
    zones = {d.id: d.to_dict()["timezone"] for d in db.collection(LOCATIONS).stream()}
    assert zones == {
        "elpaso": "America/Denver",
        "houston": "America/Chicago",
        "nowhere": "America/Chicago",
    }


def test_set_time_zones_fixes_stored_places_once(db: Any, project_id: str) -> None:
    # Stored before zones came from coordinates: every place said Los Angeles.
    places = {
        "pensacola": ("FL", 30.4213, -87.2169, "America/Chicago"),
        "tallahassee": ("FL", 30.4383, -84.2807, "America/New_York"),
        "fresno": ("CA", 36.7378, -119.7871, "America/Los_Angeles"),
        "boise": ("ID", None, None, "America/Boise"),
    }
    for ident, (state, latitude, longitude, _) in places.items():
        db.collection(LOCATIONS).document(ident).set(
            {"name": ident, "state": state, "latitude": latitude, "longitude": longitude,
             "timezone": "America/Los_Angeles", "queued": True}
        )  # fmt: skip

    first = cli(project_id, "set-time-zones")
    assert first.returncode == 0, first.stderr
    assert "4 locations checked, 3 given a new time zone" in first.stdout
    stored = {d.id: d.to_dict() for d in db.collection(LOCATIONS).stream()}
    assert {k: v["timezone"] for k, v in stored.items()} == {k: v[3] for k, v in places.items()}
    assert all(v["queued"] for v in stored.values())  # other fields untouched

    again = cli(project_id, "set-time-zones")
    assert "4 locations checked, 0 given a new time zone" in again.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("import-locations", "/nonexistent/locations.json"), "no such file"),
        (("import-locations", "{data}", "--default-state", "XX"), "not a US state"),
    ],
)
def test_usage_errors_exit_2_with_one_line(
    project_id: str, tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    data = tmp_path / "l.json"
    data.write_text("[]", encoding="utf-8")
    result = cli(project_id, *(a.format(data=data) for a in args))
    assert result.returncode == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_seed_demo_writes_data_and_accounts_that_can_sign_in(db: Any, project_id: str) -> None:
    from firebase_admin import auth

    from shared.adapters.auth import firebase_app

    for _ in range(2):  # seeding twice changes nothing
        result = cli(project_id, "seed-demo", "--locations", "250")
        assert result.returncode == 0, result.stderr[-2000:]
        assert count(db, LOCATIONS) == 250
        # The same queue as `make run`: every demo place queued once, however often seeded.
        assert count(db, store.OPEN_ENTRIES) == 250
    assert "already queued" in result.stdout
    assert count(db, REASONS) == len(demo.REASON_NAMES)
    assert count(db, COUNTIES) == 8
    assert demo.DEMO_STAFF.email in result.stdout

    app = firebase_app(project_id)
    for account in demo.DEMO_ACCOUNTS:
        token = sign_in(account.email, account.password, project_id)
        claims = auth.verify_id_token(token, app=app)
        assert claims["email"] == account.email
        assert sorted(claims["roles"]) == sorted(account.roles)


def test_grant_and_revoke_role(db: Any, project_id: str) -> None:
    from firebase_admin import auth

    from shared.adapters.auth import firebase_app

    demo.ensure_account(demo.DEMO_CALLER, project_id)
    granted = cli(project_id, "grant-role", demo.DEMO_CALLER.email, "staff")
    assert granted.returncode == 0, granted.stderr
    user = auth.get_user_by_email(demo.DEMO_CALLER.email, app=firebase_app(project_id))
    assert user.custom_claims["roles"] == ["caller", "staff"]

    revoked = cli(project_id, "revoke-role", demo.DEMO_CALLER.email, "staff")
    assert revoked.returncode == 0, revoked.stderr
    user = auth.get_user_by_email(demo.DEMO_CALLER.email, app=firebase_app(project_id))
    assert user.custom_claims["roles"] == ["caller"]

    unknown = cli(project_id, "grant-role", "nobody@demo.callqueue.test", "caller")
    assert unknown.returncode == 1
    assert "no user with e-mail nobody@demo.callqueue.test" in unknown.stderr

"""Cost of the time zone by coordinates (tzfpy): import, first lookup, per lookup, memory.

    .venv/bin/python -m tools.bench.time_zones [LOCATIONS.json]

Measured in a fresh interpreter, over the real snapshot's coordinates when given. Figures
only (docs/benchmarks.md reads them); the functions never load tzfpy: the importer stores
the zone's name on each location.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path

DEFAULT_SNAPSHOT = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"


def _points(path: Path | None) -> list[tuple[float, float]]:
    if path is None or not path.is_file():
        # A grid over the contiguous US when no snapshot is at hand.
        return [(25 + i * 0.25, -124 + j * 0.5) for i in range(96) for j in range(114)]
    rows = json.loads(path.read_text(encoding="utf-8"))
    return [
        (float(r["Latitude"]), float(r["Longitude"]))
        for r in rows
        if isinstance(r.get("Latitude"), int | float)
        and isinstance(r.get("Longitude"), int | float)
    ]


def main() -> None:
    given = Path(sys.argv[1]) if len(sys.argv) > 1 else None
    snapshot = given or DEFAULT_SNAPSHOT / "vaccinateca-locations-2021-03-01.json"
    points = _points(snapshot)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    from tzfpy import get_tz

    imported = time.perf_counter()
    get_tz(-95.37, 29.76)
    first = time.perf_counter()
    for latitude, longitude in points:
        get_tz(longitude, latitude)
    done = time.perf_counter()
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"tzfpy import          {1000 * (imported - started):8.1f} ms")
    print(f"first lookup (data)   {1000 * (first - imported):8.1f} ms")
    print(f"{len(points)} lookups       {1000 * (done - first):8.1f} ms")
    print(f"per lookup            {1e6 * (done - first) / max(len(points), 1):8.1f} us")
    print(f"peak RSS added        {(after - before) / 1024:8.1f} MiB")


if __name__ == "__main__":
    main()

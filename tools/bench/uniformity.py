"""How even the cell draw is, as figures: `python -m tools.bench.uniformity`.

A priority group of `--entries` available entries as plain values, `--draws` draws as
requestCall makes them (each starts at the level the previous one settled at). Entries are
split by whether a cell they sit in was ever read full; the figure is how often those were
drawn relative to the rest (1.0 is even), with its standard error, and the chi-square p-value.
"""

from __future__ import annotations

import argparse
import json
import random
from collections import Counter
from math import sqrt

from shared.domain import cells, selection


def measure(
    entries: int, draws: int, capacity: int, seed: int = 1, prefetch: bool = True
) -> dict[str, float]:
    rng = random.Random(seed)
    by_cell: dict[str, list[str]] = {}
    for n in range(entries):
        for label in cells.cells_of(rng.random()):
            by_cell.setdefault(label, []).append(f"e{n}")
    met_full: set[str] = set()
    fetches = reads = 0

    def fetch(level: int, cell: int, limit: int) -> list[str]:
        nonlocal fetches, reads
        everyone = by_cell.get(cells.cell_label(level, cell), [])
        if len(everyone) > capacity:
            met_full.update(everyone)
        fetches += 1
        # An empty answer is billed as one read.
        reads += max(1, min(len(everyone), limit))
        return everyone[:limit]

    def fetch_many(level: int, numbers: list[int]) -> dict[int, list[str]]:
        # One read for several cells, as requestCall's array-contains-any query (the
        # count of reads below counts it once; its documents are every cell's).
        nonlocal fetches, reads
        before = reads
        answer = {n: fetch(level, n, capacity + 1) for n in numbers}
        fetches -= len(numbers) - 1
        # One query: billed its documents, or one read when it found none.
        reads = before + max(1, sum(len(ids) for ids in answer.values()))
        return answer

    many = fetch_many if prefetch else None
    drawn: Counter[str] = Counter()
    level = 0
    fill = selection.Fill()
    draw_rng = random.Random(seed + 1)
    # Settle the level first, as a running process has: the cells read full on the way
    # down from level 0 hold every entry.
    for _ in range(1000):
        draw = selection.CellDraw(
            fetch, capacity, draw_rng, level=level, fetch_many=many, fill=fill
        )
        draw.next()
        level = draw.level
    met_full.clear()
    fetches = reads = 0
    for _ in range(draws):
        draw = selection.CellDraw(
            fetch, capacity, draw_rng, level=level, fetch_many=many, fill=fill
        )
        found = draw.next()
        assert found is not None
        drawn[found] += 1
        level = draw.level
    mean = draws / entries
    crowded = [drawn[f"e{n}"] for n in range(entries) if f"e{n}" in met_full]
    rest = [drawn[f"e{n}"] for n in range(entries) if f"e{n}" not in met_full]
    ratio = (sum(crowded) / len(crowded)) / (sum(rest) / len(rest)) if crowded and rest else 1.0
    # Poisson counts: the standard error of a mean of k counts is sqrt(mean / k), relative.
    error = sqrt(1 / (mean * len(crowded)) + 1 / (mean * len(rest))) if crowded and rest else 0.0
    from scipy.stats import chisquare

    pvalue = float(chisquare([drawn[f"e{n}"] for n in range(entries)]).pvalue)
    return {
        "entries": entries,
        "draws": draws,
        "capacity": capacity,
        "prefetch": prefetch,
        "met_full_share": round(len(crowded) / entries, 4),
        "met_full_ratio": round(ratio, 4),
        "ratio_standard_error": round(error, 4),
        "sigmas": round((1 - ratio) / error, 1) if error else 0.0,
        "chisquare_p": pvalue,
        "fetches_per_draw": round(fetches / draws, 2),
        "reads_per_draw": round(reads / draws, 2),
        "final_level": level,
    }


def main() -> None:
    p = argparse.ArgumentParser(prog="python -m tools.bench.uniformity", description=__doc__)
    p.add_argument("--entries", type=int, default=20_000)
    p.add_argument("--draws", type=int, default=600_000)
    p.add_argument("--capacity", type=int, default=25)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--no-prefetch", action="store_true", help="one cell a read (before issue 20)")
    args = p.parse_args()
    figures = measure(args.entries, args.draws, args.capacity, args.seed, not args.no_prefetch)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()

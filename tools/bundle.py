"""Assemble what Cloud Functions uploads: main.py, shared/ beside it, runtime requirements.

The runtime puts only the source folder on the import path, so `functions/main.py` cannot
import `shared` from the repository layout. Usage: python3 -m tools.bundle OUTDIR
(stdlib only: deploy.sh runs it without the project's venv).
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
from pathlib import Path

from tools.serve_functions import function_names

ROOT = Path(__file__).resolve().parents[1]
PIN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*(\[[A-Za-z0-9,._-]+\])?==[A-Za-z0-9.+!_-]+$")


def runtime_requirements(text: str) -> list[str]:
    """The pinned lines of a requirements file, without comments or includes; others refused."""
    pins = []
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line or line.startswith(("-r", "--requirement")):
            continue
        if not PIN.match(line):
            raise ValueError(f"not pinned as name==version: {raw!r}")
        pins.append(line)
    return pins


def build(out: Path, root: Path = ROOT) -> Path:
    """Write the bundle into `out` (absent or empty) and answer it."""
    if out.exists() and any(out.iterdir()):
        raise FileExistsError(f"{out} is not empty")
    out.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(root / "functions" / "main.py", out / "main.py")
    for source in sorted((root / "shared").rglob("*.py")):
        target = out / source.relative_to(root)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
    pins = runtime_requirements((root / "requirements.txt").read_text())
    (out / "requirements.txt").write_text("\n".join(pins) + "\n")
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("outdir", nargs="?", type=Path, help="absent or empty folder")
    parser.add_argument(
        "--functions", action="store_true", help="print the entry points (one a line) and stop"
    )
    args = parser.parse_args(argv)
    if args.functions:
        print("\n".join(function_names()))
        return
    if args.outdir is None:
        parser.error("OUTDIR is required")
    try:
        out = build(args.outdir)
    except (FileExistsError, ValueError) as exc:
        sys.exit(f"bundle: {exc}")
    print(out)


if __name__ == "__main__":
    main()

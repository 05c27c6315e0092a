"""Size limits of what clients send, in one place (each answered with 400 or 413 naming it).

The request body as a whole is capped by MAX_BODY_BYTES (413, in shared/web.py); within it,
every free-text field and every list has its own cap, so no report can grow a location
document towards Firestore's 1 MiB limit.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

# Public and internal notes: a long call summary fits; a pasted document does not.
NOTES_CHARS = 5_000
# Every other free-text field of a report (hours, addresses, web sites, instructions...).
TEXT_CHARS = 1_000
# Availability tags in one report (the contract's vocabulary has about 45).
TAGS_PER_REPORT = 50
TAG_CHARS = 200
# JSON nesting in any request body: our bodies need 3 levels; deep nesting only costs the
# parser (and past Python's recursion limit it would fail).
JSON_DEPTH = 32

Notes = Annotated[str, Field(max_length=NOTES_CHARS)]
Text = Annotated[str, Field(max_length=TEXT_CHARS)]
TagName = Annotated[str, Field(max_length=TAG_CHARS)]

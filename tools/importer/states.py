"""US states and territories: codes, names, and the state an address names."""

from __future__ import annotations

import re

US_STATES: dict[str, str] = {
    "AL": "Alabama", "AK": "Alaska", "AZ": "Arizona", "AR": "Arkansas", "CA": "California",
    "CO": "Colorado", "CT": "Connecticut", "DE": "Delaware", "FL": "Florida", "GA": "Georgia",
    "HI": "Hawaii", "ID": "Idaho", "IL": "Illinois", "IN": "Indiana", "IA": "Iowa",
    "KS": "Kansas", "KY": "Kentucky", "LA": "Louisiana", "ME": "Maine", "MD": "Maryland",
    "MA": "Massachusetts", "MI": "Michigan", "MN": "Minnesota", "MS": "Mississippi",
    "MO": "Missouri", "MT": "Montana", "NE": "Nebraska", "NV": "Nevada", "NH": "New Hampshire",
    "NJ": "New Jersey", "NM": "New Mexico", "NY": "New York", "NC": "North Carolina",
    "ND": "North Dakota", "OH": "Ohio", "OK": "Oklahoma", "OR": "Oregon", "PA": "Pennsylvania",
    "RI": "Rhode Island", "SC": "South Carolina", "SD": "South Dakota", "TN": "Tennessee",
    "TX": "Texas", "UT": "Utah", "VT": "Vermont", "VA": "Virginia", "WA": "Washington",
    "WV": "West Virginia", "WI": "Wisconsin", "WY": "Wyoming", "DC": "District of Columbia",
    "AS": "American Samoa", "GU": "Guam", "MP": "Northern Mariana Islands",
    "PR": "Puerto Rico", "VI": "U.S. Virgin Islands",
}  # fmt: skip
_STATE_BY_NAME = {name.casefold(): code for code, name in US_STATES.items()}

# A state is a code in capitals or title case ("CA", "Ca") or a full name, next to a ZIP.
_STATE = r"(?P<state>[A-Z][A-Za-z]|" + "|".join(re.escape(n) for n in US_STATES.values()) + ")"
_ZIP = r"\d{5}(?:-\d{4})?"
_STATE_THEN_ZIP = re.compile(rf"(?<![A-Za-z]){_STATE}\.?,?\s*{_ZIP}(?!\d)", re.IGNORECASE)
# ZIP before state ("Ridgecrest, 93555 CA") only at the very end: "93701 Texas St" is a street.
_ZIP_THEN_STATE = re.compile(rf"(?<!\d){_ZIP},?\s+{_STATE}\.?$", re.IGNORECASE)
# No ZIP: accept the state only as the address's last comma-separated part ("Woodland, CA").
_TRAILING_STATE = re.compile(rf",\s*{_STATE}\.?$", re.IGNORECASE)
_COUNTRY_SUFFIX = re.compile(
    r"(?:[\s,]+(?:United States(?: of America)?|USA|U\.S\.A\.|U\.S\.|US))?[\s,]*$", re.IGNORECASE
)


def state_code(value: str) -> str | None:
    """The two-letter code for a US state/territory code or full name, else None."""
    cleaned = value.strip().rstrip(".")
    if cleaned.upper() in US_STATES and len(cleaned) == 2:
        return cleaned.upper()
    return _STATE_BY_NAME.get(" ".join(cleaned.split()).casefold())


def _state_of(match: re.Match[str]) -> str | None:
    found = match.group("state")
    # Lower-case two-letter words ("in 12345") are ordinary words, not state codes.
    if len(found) == 2 and not found[0].isupper():
        return None
    return state_code(found)


def state_from_address(address: str | None) -> str | None:
    """The state of a US address: the one next to a ZIP nearest the end, else a trailing one."""
    if not address:
        return None
    body = _COUNTRY_SUFFIX.sub("", address)
    at_end = _ZIP_THEN_STATE.search(body)
    if at_end and (code := _state_of(at_end)):
        return code
    codes = [code for m in _STATE_THEN_ZIP.finditer(body) if (code := _state_of(m)) is not None]
    if codes:
        return codes[-1]
    trailing = _TRAILING_STATE.search(body)
    return _state_of(trailing) if trailing else None

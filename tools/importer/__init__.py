"""Import locations, counties and providers (VaccinateCA export shape, JSON or CSV) into Firestore.

The parsing half is pure (rows in, models and row errors out: `files`, `cells`, `states`,
`parsers`, `plan`); the writing half (`firestore`) batches `set(..., merge=True)` writes so
a re-import updates documents in place. Field names come from `shared.domain.vaccinateca_fields`.
"""

from __future__ import annotations

from tools.importer.cells import county_key, flag, name_key, number, text, text_list, timestamp
from tools.importer.files import read_records, records_from_csv, records_from_json
from tools.importer.firestore import (
    RPC_RETRY,
    ImportSummary,
    ZoneUpdate,
    add_callable_state,
    import_files,
    plan_files,
    set_time_zones,
    stored_counties,
    stored_providers,
    write_documents,
    write_plan,
)
from tools.importer.parsers import (
    Links,
    Parsed,
    Stored,
    parse_county,
    parse_location,
    parse_provider,
    parse_records,
)
from tools.importer.plan import ImportPlan, plan_import
from tools.importer.rows import Problem, Record, RowError, RowInvalid, RowPosition, SourceError
from tools.importer.states import US_STATES, state_code, state_from_address

__all__ = [
    "RPC_RETRY",
    "US_STATES",
    "ImportPlan",
    "ImportSummary",
    "Links",
    "Parsed",
    "Problem",
    "Record",
    "RowError",
    "RowInvalid",
    "RowPosition",
    "SourceError",
    "Stored",
    "ZoneUpdate",
    "add_callable_state",
    "county_key",
    "flag",
    "import_files",
    "name_key",
    "number",
    "parse_county",
    "parse_location",
    "parse_provider",
    "parse_records",
    "plan_files",
    "plan_import",
    "read_records",
    "records_from_csv",
    "records_from_json",
    "set_time_zones",
    "state_code",
    "state_from_address",
    "stored_counties",
    "stored_providers",
    "text",
    "text_list",
    "timestamp",
    "write_documents",
    "write_plan",
]

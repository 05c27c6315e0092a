"""The base of every response model: each key declared, nothing else published."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field


class Answer(BaseModel):
    """A function's answer (or a part of one); its JSON schema forbids undeclared keys."""

    # forbid: the published schema says additionalProperties false, so an answer that grows
    # a key its model does not declare fails the recorded-answers test.
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


# A moment as the API writes it (shared.base.clock.iso): ISO-8601 in UTC with a 'Z'.
Moment = Annotated[str, Field(json_schema_extra={"format": "date-time"})]


class NoRecord(Answer):
    """An empty object: what a missing county or provider record answers."""


class ErrorAnswer(Answer):
    """Every refusal: a code a program can test and a sentence a person can read."""

    error: str
    error_description: str
    # Only with a 500: the id the logs keep the details under.
    request_id: str | None = None

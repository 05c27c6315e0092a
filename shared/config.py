"""Settings read from the environment (pydantic-settings), one instance per process."""

from __future__ import annotations

from functools import lru_cache
from zoneinfo import ZoneInfo

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Every knob the functions read; names are the environment variables."""

    model_config = SettingsConfigDict(frozen=True, extra="ignore", populate_by_name=True)

    project_id: str = Field("demo-callqueue", alias="GOOGLE_CLOUD_PROJECT")
    region: str = Field("us-central1", alias="FUNCTION_REGION")
    claim_lease_seconds: int = Field(1200, alias="CLAIM_LEASE_SECONDS", ge=1)
    org_timezone: str = Field("America/Los_Angeles", alias="ORG_TIMEZONE")
    # How many available entries one draw looks at before picking one at random.
    candidate_window: int = Field(25, alias="CANDIDATE_WINDOW", ge=1, le=300)
    # Upper bound on claim transactions per request; each lost race means another
    # caller got an entry, so this only bites under extreme contention.
    max_claim_attempts: int = Field(60, alias="MAX_CLAIM_ATTEMPTS", ge=1)
    max_bulk_locations: int = Field(10000, alias="MAX_BULK_LOCATIONS", ge=1)
    max_body_bytes: int = Field(1_048_576, alias="MAX_BODY_BYTES", ge=1024)
    allowed_origins: str = Field("*", alias="ALLOWED_ORIGINS")
    firestore_emulator_host: str | None = Field(None, alias="FIRESTORE_EMULATOR_HOST")
    auth_emulator_host: str | None = Field(None, alias="FIREBASE_AUTH_EMULATOR_HOST")

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.org_timezone)

    @property
    def local_mode(self) -> bool:
        """True when talking to emulators; production checks refuse to be relaxed otherwise."""
        return bool(self.firestore_emulator_host or self.auth_emulator_host)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()

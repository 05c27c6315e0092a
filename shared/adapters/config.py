"""Settings read from the environment (pydantic-settings), one instance per process."""

from __future__ import annotations

from datetime import timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.domain.call_backs import CallBackPolicy
from shared.domain.contact_hours import ContactPolicy, parse_window
from shared.domain.leases import LeasePolicy
from shared.domain.rate_policy import Bucket, Limit
from shared.domain.review import ReviewSampling, parse_sampling
from shared.domain.selection import MIN_CAPACITY, DrawPolicy, DrawStrategy

# The policies' defaults are written once, in their dataclasses; Settings name them.
_LEASE = LeasePolicy()
_DRAW = DrawPolicy()


class Settings(BaseSettings):
    """Every knob the functions read; names are the environment variables."""

    model_config = SettingsConfigDict(frozen=True, extra="ignore", populate_by_name=True)

    project_id: str = Field("demo-callqueue", alias="GOOGLE_CLOUD_PROJECT")
    region: str = Field("us-central1", alias="FUNCTION_REGION")
    claim_lease_seconds: int = Field(_LEASE.lease_seconds, alias="CLAIM_LEASE_SECONDS", ge=1)
    org_timezone: str = Field("America/Los_Angeles", alias="ORG_TIMEZONE")
    # The draw's slots per cell and the limit of each read (selection.DrawPolicy).
    candidate_window: int = Field(_DRAW.candidate_window, alias="CANDIDATE_WINDOW", le=300)
    max_claim_attempts: int = Field(_DRAW.max_claim_attempts, alias="MAX_CLAIM_ATTEMPTS", ge=1)
    draw_strategy: DrawStrategy = Field(_DRAW.strategy, alias="DRAW_STRATEGY")
    # When a location whose opening hours are unknown (or unreadable) may be called, in its
    # own time zone: "Mon-Fri 09:00-17:00; Sat 10:00-14:00", or "always".
    default_contact_window: str = Field("Mon-Fri 09:00-17:00", alias="DEFAULT_CONTACT_WINDOW")
    # Off: every place may be offered at any time. The local stack turns windows off: its
    # clock is the wall clock, so demo places' hours would make the demo and the tests
    # depend on the time of day (the window tests turn them on, on a controlled clock).
    contact_windows: bool = Field(True, alias="CONTACT_WINDOWS")
    max_bulk_locations: int = Field(10000, alias="MAX_BULK_LOCATIONS", ge=1)
    max_body_bytes: int = Field(1_048_576, alias="MAX_BODY_BYTES", ge=1024)
    # CORS: the origins whose web pages may call the API (the console's, the caller app's),
    # comma-separated; `*` allows any. The default is the local console.
    allowed_origins: str = Field(
        "http://127.0.0.1:5000,http://localhost:5000", alias="ALLOWED_ORIGINS"
    )
    # Leases: extension step, the longest a claim may last in all, and how close to its end
    # a lease can no longer be extended or released (see docs/concurrency.md).
    extend_step_seconds: int = Field(_LEASE.extend_step_seconds, alias="EXTEND_STEP_SECONDS", ge=1)
    max_lease_seconds: int = Field(_LEASE.max_seconds, alias="MAX_LEASE_SECONDS", ge=1)
    lease_end_margin_seconds: int = Field(
        _LEASE.end_margin_seconds, alias="LEASE_END_MARGIN_SECONDS", ge=0
    )
    max_expiries: int = Field(_LEASE.max_expiries, alias="MAX_EXPIRIES", ge=1)
    # How stale the "user not disabled, tokens not revoked" check may be, per instance and
    # user (one Auth API call per user per this many seconds); 0 checks on every call.
    revocation_check_seconds: int = Field(60, alias="REVOCATION_CHECK_SECONDS", ge=0)
    # A skip without "Do not call until" comes back after this; one further ahead than the
    # horizon is refused (a caller cannot take a place out of the queue for good).
    skip_default_delay_seconds: int = Field(7200, alias="SKIP_DEFAULT_DELAY_SECONDS", ge=0)
    call_back_horizon_days: int = Field(30, alias="CALL_BACK_HORIZON_DAYS", ge=1)
    # Requests per user and window (shared/rate_limits.py); 0 turns one bucket off.
    rate_limit_window_seconds: int = Field(60, alias="RATE_LIMIT_WINDOW_SECONDS", ge=1)
    rate_limit_request_call: int = Field(20, alias="RATE_LIMIT_REQUEST_CALL", ge=0)
    rate_limit_submit_report: int = Field(20, alias="RATE_LIMIT_SUBMIT_REPORT", ge=0)
    rate_limit_lease: int = Field(30, alias="RATE_LIMIT_LEASE", ge=0)
    rate_limit_bulk: int = Field(120, alias="RATE_LIMIT_BULK", ge=0)
    # Share of reports flagged for review per caller group (`*`: callers in none of them);
    # the caller app's own request for review is always honoured.
    review_sampling: str = Field("trainee=1, *=2%", alias="REVIEW_SAMPLING")
    # Cloud Tasks: the queue that cleans up leases, and how it reaches expireClaim.
    tasks_queue: str = Field("lease-expiry", alias="TASKS_QUEUE")
    tasks_location: str | None = Field(None, alias="TASKS_LOCATION")
    tasks_timeout_seconds: float = Field(5.0, alias="TASKS_TIMEOUT_SECONDS", gt=0)
    functions_base_url: str | None = Field(None, alias="FUNCTIONS_BASE_URL")
    tasks_service_account: str | None = Field(None, alias="TASKS_SERVICE_ACCOUNT")
    tasks_audience: str | None = Field(None, alias="TASKS_AUDIENCE")
    skip_task_auth: bool = Field(False, alias="SKIP_TASK_AUTH")
    # refreshQueue (Cloud Scheduler every 10 minutes): places one run adds or raises at most
    # (then `more: true`; the next run goes on), and the OIDC token it accepts.
    freshness_max_per_run: int = Field(500, alias="FRESHNESS_MAX_PER_RUN", ge=1)
    scheduler_service_account: str | None = Field(None, alias="SCHEDULER_SERVICE_ACCOUNT")
    scheduler_audience: str | None = Field(None, alias="SCHEDULER_AUDIENCE")
    firestore_emulator_host: str | None = Field(None, alias="FIRESTORE_EMULATOR_HOST")
    auth_emulator_host: str | None = Field(None, alias="FIREBASE_AUTH_EMULATOR_HOST")
    tasks_emulator_host: str | None = Field(None, alias="CLOUD_TASKS_EMULATOR_HOST")

    @field_validator("candidate_window")
    @classmethod
    def _candidate_window(cls, value: int) -> int:
        if value < MIN_CAPACITY:
            raise ValueError(
                f"CANDIDATE_WINDOW must be at least {MIN_CAPACITY}: with fewer slots per cell "
                "too many cells overflow at any fill one read can cover (docs/concurrency.md)"
            )
        return value

    @field_validator("default_contact_window")
    @classmethod
    def _window(cls, value: str) -> str:
        parse_window(value)
        return value

    @field_validator("review_sampling")
    @classmethod
    def _sampling(cls, value: str) -> str:
        parse_sampling(value)
        return value

    @property
    def review_rules(self) -> ReviewSampling:
        return parse_sampling(self.review_sampling)

    @property
    def contact_policy(self) -> ContactPolicy | None:
        if not self.contact_windows:
            return None
        return ContactPolicy(
            default=parse_window(self.default_contact_window), fallback_zone=self.org_timezone
        )

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.org_timezone)

    @property
    def draw_policy(self) -> DrawPolicy:
        return DrawPolicy(
            candidate_window=self.candidate_window,
            strategy=self.draw_strategy,
            max_claim_attempts=self.max_claim_attempts,
        )

    @property
    def lease_policy(self) -> LeasePolicy:
        return LeasePolicy(
            lease_seconds=self.claim_lease_seconds,
            extend_step_seconds=self.extend_step_seconds,
            max_seconds=self.max_lease_seconds,
            end_margin_seconds=self.lease_end_margin_seconds,
            max_expiries=self.max_expiries,
        )

    def rate_limit(self, bucket: Bucket) -> Limit:
        counts = {
            "requestCall": self.rate_limit_request_call,
            "submitReport": self.rate_limit_submit_report,
            "lease": self.rate_limit_lease,
            "bulk": self.rate_limit_bulk,
        }
        return Limit(bucket, counts[bucket], self.rate_limit_window_seconds)

    @property
    def call_backs(self) -> CallBackPolicy:
        return CallBackPolicy(
            default_delay=timedelta(seconds=self.skip_default_delay_seconds),
            horizon=timedelta(days=self.call_back_horizon_days),
        )

    @property
    def local_mode(self) -> bool:
        """True only against emulators with a demo- project: no real service can be reached."""
        emulated = bool(
            self.firestore_emulator_host and self.auth_emulator_host and self.tasks_emulator_host
        )
        return emulated and self.project_id.startswith("demo-")

    @property
    def task_auth_required(self) -> bool:
        """expireClaim checks Cloud Tasks' OIDC token unless local mode turned that off."""
        return not (self.skip_task_auth and self.local_mode)

    @property
    def base_url(self) -> str:
        return (
            self.functions_base_url or f"https://{self.region}-{self.project_id}.cloudfunctions.net"
        ).rstrip("/")

    @property
    def queue_path(self) -> str:
        location = self.tasks_location or self.region
        return f"projects/{self.project_id}/locations/{location}/queues/{self.tasks_queue}"

    @property
    def task_service_account(self) -> str:
        return (
            self.tasks_service_account
            or f"callqueue-tasks@{self.project_id}.iam.gserviceaccount.com"
        )

    @property
    def scheduler_account(self) -> str:
        """The account Cloud Scheduler's OIDC token names: the tasks' invoker by default."""
        return self.scheduler_service_account or self.task_service_account

    @property
    def scheduler_token_audience(self) -> str:
        return self.scheduler_audience or f"{self.base_url}/refreshQueue"

    @property
    def task_audience(self) -> str:
        return self.tasks_audience or f"{self.base_url}/expireClaim"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()

"""One declaration per HTTP function: its role, rate-limit bucket, request and answer models.

`Functions` is the table an entry-point module builds from its own decorators; ACCESS,
LIMITED, `__all__`, the OpenAPI document and the authorisation matrix test read it. Models
are named as "module:Class" strings and imported on first use, so a function's cold start
loads only the modules of the models it declares.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ValidationError

from shared.adapters import web
from shared.base import logs

if TYPE_CHECKING:
    import flask
    from google.cloud.firestore import Client

    from shared.adapters.auth import Role, User
    from shared.adapters.config import Settings
    from shared.domain.rate_policy import Bucket
    from shared.records.rate_limits import Admission

# "scheduler": Cloud Scheduler's OIDC token, or a staff member's ID token (by hand).
Access = Literal["caller", "staff", "any", "task", "scheduler"]
Q = TypeVar("Q")
B = TypeVar("B")
Handler = Callable[["Call[Any, Any]"], Any]


def resolve(name: str) -> type[BaseModel]:
    """The model a "module:Class" string names (imported on first use)."""
    module, _, attribute = name.partition(":")
    model = getattr(importlib.import_module(module), attribute)
    if not (isinstance(model, type) and issubclass(model, BaseModel)):
        raise TypeError(f"{name} is not a pydantic model")
    return model


@dataclass(frozen=True)
class Declaration:
    """Everything the HTTP boundary needs to know about one function."""

    name: str
    methods: tuple[str, ...]
    role: Access
    answer: str
    query: str | None = None
    body: str | None = None
    limit: Bucket | None = None
    # The rate-limit charge is left to the handler: it folds the slot into its first commit
    # (`Call.admission`) or settles it (`Call.admitted`) before any other write; whatever it
    # did not settle is settled before answering (requestCall: one RPC less per claim).
    limit_folds: bool = False
    # Refusals beyond those every declaration implies (401/403 by role, 400 for a request
    # model, 413 for a body, 429 for a limit); published in the OpenAPI document.
    errors: tuple[int, ...] = ()
    summary: str = ""

    def statuses(self) -> tuple[int, ...]:
        """Every error status the function may answer with."""
        found = {401, *self.errors}
        if self.role in ("caller", "staff", "scheduler"):
            found.add(403)
        if self.role == "task":
            found.add(403)
        if self.query is not None or self.body is not None:
            found.add(400)
        if self.body is not None:
            found.add(413)
        if self.limit is not None:
            found.add(429)
        return tuple(sorted(found))


class Call(Generic[Q, B]):
    """One request past authorisation, parsing and the rate limit: what a handler reads."""

    def __init__(
        self, request: flask.Request, settings: Settings, user: User | None, query: Q, body: B
    ) -> None:
        self.request = request
        self.settings = settings
        self._user = user
        self.query = query
        self.body = body
        self.admission: Admission | None = None

    def admitted(self) -> None:
        """Settle a charge left to the handler: TooMany (429) if it refuses the request."""
        if self.admission is not None:
            self.admission.settle()

    @property
    def user(self) -> User:
        assert self._user is not None, "task functions have no signed-in user"
        return self._user

    @property
    def signed_in(self) -> User | None:
        """The signed-in user; None for Cloud Tasks' and Cloud Scheduler's calls."""
        return self._user

    @cached_property
    def db(self) -> Client:
        from shared.adapters import store

        return store.client(self.settings.project_id)

    @cached_property
    def now(self) -> datetime:
        from shared.base import clock

        return clock.now()


# What a function's first request imports besides its own modules: the clients' libraries
# and their adapters (about 0.3 s of CPU; docs/benchmarks.md, cold start).
FIRST_REQUEST_MODULES = (
    "firebase_admin.auth",
    "google.api_core.exceptions",
    "google.cloud.firestore",
    "google.cloud.tasks_v2",
    "shared.adapters.auth",
    "shared.adapters.config",
    "shared.adapters.store",
    "shared.adapters.tasks",
    "shared.base.clock",
    "shared.records.rate_limits",
    "shared.services.caller.lease_tasks",
)
# Functions to preload at start-up (comma-separated names): deploy.sh sets it on functions
# given minimum instances, whose instances start before any request and wait idle.
PRELOAD_VARIABLE = "PRELOAD_FUNCTIONS"


class Functions:
    """The declarations of one entry-point module, in the order its functions appear."""

    def __init__(self) -> None:
        self._declared: dict[str, Declaration] = {}

    def __iter__(self) -> Iterator[Declaration]:
        return iter(self._declared.values())

    def __getitem__(self, name: str) -> Declaration:
        return self._declared[name]

    def names(self) -> list[str]:
        return sorted(self._declared)

    def access(self) -> dict[str, Access]:
        return {d.name: d.role for d in self}

    def limited(self) -> dict[str, Bucket]:
        return {d.name: d.limit for d in self if d.limit is not None}

    def preload(self, names: str) -> list[str]:
        """Import now what the first request of each named function would import.

        Only modules: no client, channel or credential is created, so this is safe before
        the runtime forks its worker (gunicorn imports the source in its master process).
        Without it (the default) nothing is imported until a request needs it, so a
        function started by a request pays only for what it uses. Answers the modules.
        """
        wanted = [name.strip() for name in names.split(",") if name.strip()]
        unknown = sorted(set(wanted) - set(self._declared))
        if unknown:
            raise ValueError(f"{PRELOAD_VARIABLE} names no declared function: {unknown}")
        modules = list(FIRST_REQUEST_MODULES) if wanted else []
        for declaration in map(self.__getitem__, wanted):
            for model in (declaration.query, declaration.body, declaration.answer):
                if model is not None:
                    modules.append(model.partition(":")[0])
        for module in modules:
            importlib.import_module(module)
        if wanted:
            _build_document_models()
        return modules

    def preload_if_asked(self) -> list[str]:
        """`preload` the functions PRELOAD_FUNCTIONS names (none when it is unset)."""
        import os

        return self.preload(os.environ.get(PRELOAD_VARIABLE, ""))

    def declare(
        self,
        *methods: str,
        role: Access,
        answer: str,
        query: str | None = None,
        body: str | None = None,
        limit: Bucket | None = None,
        limit_folds: bool = False,
        errors: tuple[int, ...] = (),
    ) -> Callable[[Handler], Callable[[flask.Request], flask.Response]]:
        """Declare an HTTP function: the decorated handler gets a `Call`, answers `answer`."""

        def wrap(handler: Handler) -> Callable[[flask.Request], flask.Response]:
            import functions_framework

            doc = (handler.__doc__ or "").strip()
            declaration = Declaration(
                name=handler.__name__,
                methods=methods,
                role=role,
                answer=answer,
                query=query,
                body=body,
                limit=limit,
                limit_folds=limit_folds,
                errors=errors,
                summary=doc.splitlines()[0] if doc else "",
            )
            if declaration.name in self._declared:
                raise ValueError(f"{declaration.name} is declared twice")
            self._declared[declaration.name] = declaration

            def serve(request: flask.Request) -> Any:
                call = prepare(declaration, request)
                try:
                    answer = handler(call)
                finally:
                    # A refusal by the rate limit wins over whatever the handler answered.
                    call.admitted()
                return answer_of(declaration, answer)

            serve.__name__ = handler.__name__
            serve.__doc__ = handler.__doc__
            run = web.endpoint(methods)(serve)
            run.declaration = declaration  # type: ignore[attr-defined]
            functions_framework.http(run)  # registers it as an HTTP function; answers it as is
            return run

        return wrap


def _build_document_models() -> None:
    """Build now the validators stored documents defer to their first use (`defer_build`)."""
    from shared.domain.models import Document

    todo: list[type[Document]] = [Document]
    while todo:
        model = todo.pop()
        todo.extend(model.__subclasses__())
        model.model_rebuild(force=True)


def prepare(declaration: Declaration, request: flask.Request) -> Call[Any, Any]:
    """Authorise, parse, then charge the rate limit: a malformed request costs no write."""
    from shared.adapters.config import get_settings

    settings = get_settings()
    user = authorise(declaration.role, request, settings)
    query = body = None
    if declaration.query is not None:
        query = web.parse(resolve(declaration.query), request.args.to_dict())
    if declaration.body is not None:
        body = web.parse(resolve(declaration.body), web.read_json(request, settings.max_body_bytes))
    call: Call[Any, Any] = Call(request, settings, user, query, body)
    if declaration.limit is not None:
        assert user is not None
        if declaration.limit_folds:
            call.admission = admission(user, declaration.limit, settings)
        else:
            charge(user, declaration.limit, settings)
    return call


def authorise(role: Access, request: flask.Request, settings: Settings) -> User | None:
    """The signed-in user, if `role` lets them in; None for Cloud Tasks' and Cloud
    Scheduler's calls."""
    from shared.adapters import auth

    header = request.headers.get("Authorization")
    if role == "scheduler" and auth.is_google_oidc(header):
        auth.verify_task(
            header,
            settings.scheduler_token_audience,
            settings.scheduler_account,
            "Only the refreshQueue scheduler job (or staff) may call this.",
        )
        return None

    if role == "task":
        if settings.task_auth_required:
            if settings.skip_task_auth:
                logs.error("SKIP_TASK_AUTH is ignored outside the local emulators")
            auth.verify_task(
                request.headers.get("Authorization"),
                settings.task_audience,
                settings.task_service_account,
            )
        return None
    user = auth.verify(
        request.headers.get("Authorization"),
        settings.project_id,
        settings.revocation_check_seconds,
    )
    if role == "any":
        return user
    required: Role = "staff" if role == "scheduler" else role
    return auth.require(user, required)


def charge(user: User, bucket: Bucket, settings: Settings) -> None:
    """Count the request against the user's limit for `bucket`: 429 when over it."""
    admission(user, bucket, settings).settle()


def admission(user: User, bucket: Bucket, settings: Settings) -> Admission:
    """The request's charge against the user's limit for `bucket`, for the handler to make."""
    from shared.adapters import store
    from shared.base import clock
    from shared.records import rate_limits

    limit = settings.rate_limit(bucket)
    return rate_limits.Admission(store.client(settings.project_id), user.uid, limit, clock.now())


def answer_of(declaration: Declaration, answer: Any) -> Any:
    """The JSON of a handler's answer, checked against the declared model.

    A model is dumped by alias. A dict is sent as built; one that does not fit the model is
    logged, not refused: the recorded-answers test fails the build on it instead.
    """
    model = resolve(declaration.answer)
    if isinstance(answer, BaseModel):
        if not isinstance(answer, model):
            raise TypeError(f"{declaration.name} answered a {type(answer).__name__}")
        return answer.model_dump(mode="json", by_alias=True)
    try:
        model.model_validate(answer)
    except ValidationError as exc:
        logs.error(
            "answer does not match its declared model",
            function=declaration.name,
            model=declaration.answer,
            error=web.describe_validation(exc),
        )
    return answer

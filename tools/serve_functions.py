"""Serve every HTTP function under one base URL, in the Firebase emulator's layout.

`http://HOST:PORT/<project>/<region>/<functionName>`, each mounted app built by
functions-framework's own `create_app`, so requests meet the same Flask wrapper as in
production.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "functions" / "main.py"
OPENAPI = ROOT / "docs" / "openapi.json"

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def function_names(source: Path = SOURCE) -> list[str]:
    """The functions declared in functions/main.py (`@functions.declare(...)`), read without
    importing it."""
    tree = ast.parse(source.read_text())
    names = sorted(
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef)
        and any(
            isinstance(d, ast.Call)
            and isinstance(d.func, ast.Attribute)
            and d.func.attr == "declare"
            for d in node.decorator_list
        )
    )
    if not names:
        raise SystemExit(f"{source} declares no functions")
    return names


def _root_path(app: WSGIApp) -> WSGIApp:
    # A mounted app gets an empty PATH_INFO, which Flask answers with a 308 to a trailing
    # slash: clients' POSTs would not follow it.
    def wrapped(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if not environ.get("PATH_INFO"):
            environ["PATH_INFO"] = "/"
        return app(environ, start_response)

    return wrapped


def _index(names: list[str], prefix: str) -> WSGIApp:
    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        body: dict[str, Any]
        if path == f"{prefix}/openapi.json":
            # The API document, next to the functions it describes (for clients and fuzzers).
            start_response("200 OK", [("Content-Type", "application/json")])
            return [OPENAPI.read_bytes()]
        if path in ("/", "/healthz"):
            status, body = "200 OK", {"functions": [f"{prefix}/{n}" for n in names]}
        else:
            status = "404 Not Found"
            body = {
                "error": "not_found",
                "error_description": f"No function at {path}; functions live under {prefix}/.",
            }
        start_response(status, [("Content-Type", "application/json")])
        return [json.dumps(body).encode()]

    return app


def build_app(project: str, region: str, source: Path = SOURCE) -> WSGIApp:
    import functions_framework
    from werkzeug.middleware.dispatcher import DispatcherMiddleware

    names = function_names(source)
    prefix = f"/{project}/{region}"
    from tools import answer_log

    record = answer_log.from_env()
    mounts: dict[str, WSGIApp] = {}
    for name in names:
        app: WSGIApp = functions_framework.create_app(name, str(source))  # type: ignore[no-untyped-call]
        if record is not None:
            app = answer_log.recording(app, name, record)
        mounts[f"{prefix}/{name}"] = _root_path(app)
    return DispatcherMiddleware(_index(names, prefix), mounts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--host", default=os.environ.get("FUNCTIONS_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("FUNCTIONS_PORT", "5001")))
    parser.add_argument(
        "--project", default=os.environ.get("GOOGLE_CLOUD_PROJECT", "demo-callqueue")
    )
    parser.add_argument("--region", default=os.environ.get("FUNCTION_REGION", "us-central1"))
    args = parser.parse_args()
    os.environ.setdefault("GOOGLE_CLOUD_PROJECT", args.project)
    from werkzeug.serving import run_simple

    from tools import query_log

    query_log.install_from_env()

    app = build_app(args.project, args.region)
    print(
        f"functions serving at http://{args.host}:{args.port}/{args.project}/{args.region}/",
        flush=True,
    )
    run_simple(args.host, args.port, app, threaded=True, use_reloader=False)


if __name__ == "__main__":
    main()

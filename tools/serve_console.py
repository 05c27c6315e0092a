"""Serve the built staff console (console/dist) with a config.json naming the local stack.

The same build is deployed to Firebase Hosting, where config.json is written at deploy time;
here it is answered from the environment, so the page always points at the stack it was
started with: its functions, and its Auth emulator for e-mail and password sign-in.
"""

from __future__ import annotations

import argparse
import json
import os
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DIST = ROOT / "console" / "dist"


def local_config(functions_base: str, auth_host: str, project: str) -> dict[str, Any]:
    """What the console reads at start-up; the emulator accepts any API key."""
    return {
        "functionsBaseUrl": functions_base,
        "firebase": {"apiKey": "local-emulator", "authDomain": "127.0.0.1", "projectId": project},
        "authEmulatorUrl": f"http://{auth_host}",
        "googleSignIn": False,
    }


class ConsoleHandler(SimpleHTTPRequestHandler):
    config: bytes = b"{}"

    def do_GET(self) -> None:
        if self.path.split("?", 1)[0] == "/config.json":
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(self.config)))
            self.end_headers()
            self.wfile.write(self.config)
            return
        super().do_GET()

    def end_headers(self) -> None:
        # A rebuild must show on the next reload, not after the browser's heuristic expiry.
        self.send_header("Cache-Control", "no-cache")
        super().end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        # One line per failed request is useful; one per asset of every page load is noise.
        if len(args) > 1 and str(args[1]).startswith(("4", "5")):
            super().log_message(format, *args)


def make_server(
    host: str, port: int, config: dict[str, Any], dist: Path = DIST
) -> ThreadingHTTPServer:
    if not (dist / "index.html").is_file():
        raise SystemExit(f"{dist} has no build of the console: run `make console` first")
    handler = type("Handler", (ConsoleHandler,), {"config": json.dumps(config).encode()})
    return ThreadingHTTPServer((host, port), partial(handler, directory=str(dist)))


def main() -> None:
    env = os.environ
    project = env.get("GOOGLE_CLOUD_PROJECT", "demo-callqueue")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=int(env.get("CONSOLE_PORT", "5000")))
    parser.add_argument(
        "--functions-base",
        default=env.get("FUNCTIONS_BASE_URL", f"http://127.0.0.1:5001/{project}/us-central1"),
    )
    parser.add_argument(
        "--auth-emulator", default=env.get("FIREBASE_AUTH_EMULATOR_HOST", "127.0.0.1:9099")
    )
    parser.add_argument("--project", default=project)
    args = parser.parse_args()
    config = local_config(args.functions_base, args.auth_emulator, args.project)
    server = make_server(args.host, args.port, config)
    print(f"console serving at http://{args.host}:{args.port}/", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()

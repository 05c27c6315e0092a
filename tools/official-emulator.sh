#!/usr/bin/env bash
# The integration suite against Google's own Firestore emulator (transaction isolation, the
# real rules engine), and the rules tests with @firebase/rules-unit-testing
# (tests/rules-emulator/). Needs Java 21+ and internet (firebase-tools downloads the emulator
# jar): Cloud Build has both (cloudbuild.yaml, step official-emulator). Where either is
# missing it says so and skips, unless REQUIRE_OFFICIAL_EMULATOR=1 (Cloud Build) makes that
# a failure.
#
#   bash tools/official-emulator.sh            # what `make official-emulator` runs
set -euo pipefail
cd "$(dirname "$0")/.."

FIREBASE_CLI="${FIREBASE:-node_modules/.bin/firebase}"
# The project the test harness uses (firebase.json runs the emulators in single-project mode).
PROJECT="${GOOGLE_CLOUD_PROJECT:-demo-callqueue}"

skip() {
  if [ "${REQUIRE_OFFICIAL_EMULATOR:-0}" = 1 ]; then
    echo "official-emulator: FAILED: $* (REQUIRE_OFFICIAL_EMULATOR=1)" >&2
    exit 1
  fi
  echo "official-emulator: SKIPPED: $*. The integration suite on Google's Firestore emulator and the rules tests (tests/rules-emulator/) run in Cloud Build (cloudbuild.yaml, step official-emulator)."
  exit 0
}

java_major() {
  java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n 1
}

if [ "${1:-}" = --inside ]; then
  # Run by `firebase emulators:exec`, which set FIRESTORE_EMULATOR_HOST.
  echo "official-emulator: Firestore emulator at $FIRESTORE_EMULATOR_HOST"
  (cd tests/rules-emulator && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error && npm test)
  # The harness uses the emulator FIRESTORE_EMULATOR_HOST names, and starts Auth and Tasks.
  .venv/bin/pytest tests/integration -m "not slow" -p no:cacheprovider -q
  exit 0
fi

command -v java >/dev/null 2>&1 || skip "no Java (the emulator needs Java 21 or later)"
major="$(java_major)"
[ "${major:-0}" -ge 21 ] || skip "Java ${major:-unknown} found; the emulator needs Java 21 or later"
[ -x "$FIREBASE_CLI" ] || command -v "$FIREBASE_CLI" >/dev/null 2>&1 || skip "no firebase CLI (make install)"

exec "$FIREBASE_CLI" emulators:exec --only firestore --project "$PROJECT" \
  "bash tools/official-emulator.sh --inside"

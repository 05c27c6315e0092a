#!/usr/bin/env bash
# Put the call queue live in one Google Cloud project, or bring it up to date: APIs,
# service accounts and their roles, the Cloud Tasks queue, every function, Firestore rules
# and indexes, the console on Firebase Hosting. Safe to run again (each step creates what
# is missing and updates what exists). docs/deploy.md explains each step.
#
#   bash deploy.sh PROJECT_ID [--region R] [--dry-run]
#
# --dry-run prints every command and runs none: no cloud tools or credentials needed.
# Environment overrides: PYTHON_RUNTIME (python313), FIRESTORE_LOCATION (nam5),
# CALLER_APP_ORIGINS (the caller app's origins, comma-separated: CORS must allow them),
# ALLOWED_ORIGINS (instead of the console's Hosting origins plus CALLER_APP_ORIGINS),
# TASKS_QUEUE (lease-expiry), FIREBASE (firebase CLI to use).
set -euo pipefail
cd "$(dirname "$0")"

usage() {
  echo "usage: bash deploy.sh PROJECT_ID [--region R] [--dry-run]" >&2
  exit 2
}

PROJECT=""
REGION="us-central1"
DRY_RUN=false
while [ $# -gt 0 ]; do
  case "$1" in
    --region) [ $# -ge 2 ] || usage; REGION="$2"; shift 2 ;;
    --region=*) REGION="${1#--region=}"; shift ;;
    --dry-run) DRY_RUN=true; shift ;;
    -h | --help) usage ;;
    -*) echo "deploy.sh: unknown option $1" >&2; usage ;;
    *) [ -z "$PROJECT" ] || usage; PROJECT="$1"; shift ;;
  esac
done
[ -n "$PROJECT" ] || usage
case "$PROJECT" in
  demo-*) $DRY_RUN || { echo "deploy.sh: $PROJECT is a local emulator project id (demo-*); name a real project" >&2; exit 2; } ;;
esac

RUNTIME="${PYTHON_RUNTIME:-python313}"
FIRESTORE_LOCATION="${FIRESTORE_LOCATION:-nam5}"
QUEUE="${TASKS_QUEUE:-lease-expiry}"
# CORS: the console on Firebase Hosting and the caller app; nothing else (docs/security.md).
ORIGINS="${ALLOWED_ORIGINS:-https://${PROJECT}.web.app,https://${PROJECT}.firebaseapp.com${CALLER_APP_ORIGINS:+,$CALLER_APP_ORIGINS}}"
if [ -z "${ALLOWED_ORIGINS:-}${CALLER_APP_ORIGINS:-}" ]; then
  echo "deploy.sh: warning: CALLER_APP_ORIGINS is not set; the caller app's web origin will get 403 (CORS)" >&2
fi
RUNTIME_SA="callqueue-functions@${PROJECT}.iam.gserviceaccount.com"
TASKS_SA="callqueue-tasks@${PROJECT}.iam.gserviceaccount.com"
# One base URL for every function: 2nd gen functions answer at this address too, and the
# console, the caller app and Cloud Tasks all address functions as BASE/<name>.
BASE_URL="https://${REGION}-${PROJECT}.cloudfunctions.net"
AUDIENCE="${BASE_URL}/expireClaim"
PRIVATE_FUNCTIONS=" expireClaim "
APIS=(
  cloudresourcemanager.googleapis.com serviceusage.googleapis.com iam.googleapis.com
  iamcredentials.googleapis.com cloudfunctions.googleapis.com run.googleapis.com
  cloudbuild.googleapis.com artifactregistry.googleapis.com cloudtasks.googleapis.com
  firestore.googleapis.com firebase.googleapis.com firebaserules.googleapis.com
  firebasehosting.googleapis.com identitytoolkit.googleapis.com logging.googleapis.com
)
if [ -n "${FIREBASE:-}" ]; then
  FIREBASE_CLI="$FIREBASE"
elif [ -x node_modules/.bin/firebase ]; then
  FIREBASE_CLI="node_modules/.bin/firebase" # the version package.json pins
else
  FIREBASE_CLI="firebase"
fi
if $DRY_RUN; then
  BUNDLE="${TMPDIR:-/tmp}/callqueue-deploy.XXXXXX/functions"
else
  BUILD="$(mktemp -d "${TMPDIR:-/tmp}/callqueue-deploy.XXXXXX")"
  trap 'rm -rf "$BUILD"' EXIT
  BUNDLE="$BUILD/functions"
fi

say() { printf '\n# %s\n' "$*"; }

# Print a command (shell-quoted, so it can be pasted); run it unless this is a dry run.
run() {
  local quoted
  printf -v quoted '%q ' "$@"
  printf '%s\n' "${quoted% }"
  if ! $DRY_RUN; then "$@"; fi
}

# exists CMD...: true when CMD succeeds; in a dry run, prints it as the check and says no.
exists() {
  local quoted
  printf -v quoted '%q ' "$@"
  if $DRY_RUN; then
    printf '%s  # if this fails:\n' "${quoted% }"
    return 1
  fi
  "$@" >/dev/null 2>&1
}

preflight() {
  local missing=()
  local tool
  for tool in gcloud python3 "$FIREBASE_CLI"; do
    command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
  done
  if [ -d console ] && ! command -v npm >/dev/null 2>&1; then missing+=(npm); fi
  if [ ${#missing[@]} -gt 0 ]; then
    echo "deploy.sh: missing tools: ${missing[*]} (see docs/deploy.md, Prerequisites)" >&2
    exit 1
  fi
  if [ -z "$(gcloud auth list --filter=status:ACTIVE --format='value(account)' 2>/dev/null)" ]; then
    echo "deploy.sh: nobody is logged in to gcloud: run 'gcloud auth login' (or use a service account)" >&2
    exit 1
  fi
  if ! "$FIREBASE_CLI" projects:list --non-interactive >/dev/null 2>&1; then
    echo "deploy.sh: the Firebase CLI has no credentials: run '$FIREBASE_CLI login' (or set GOOGLE_APPLICATION_CREDENTIALS)" >&2
    exit 1
  fi
  if ! gcloud projects describe "$PROJECT" --format='value(projectId)' >/dev/null 2>&1; then
    echo "deploy.sh: project $PROJECT does not exist or $(gcloud config get-value account 2>/dev/null) cannot see it" >&2
    exit 1
  fi
}

if $DRY_RUN; then
  echo "# deploy.sh dry run for project $PROJECT, region $REGION: nothing below is run."
else
  preflight
  echo "# deploying the call queue to project $PROJECT, region $REGION"
fi

say "APIs"
run gcloud services enable "${APIS[@]}" --project="$PROJECT"

say "Firebase on the project, and Firestore (native mode)"
exists "$FIREBASE_CLI" apps:list --project="$PROJECT" --non-interactive ||
  run "$FIREBASE_CLI" projects:addfirebase "$PROJECT" --non-interactive
exists gcloud firestore databases describe --database='(default)' --project="$PROJECT" ||
  run gcloud firestore databases create --database='(default)' --location="$FIRESTORE_LOCATION" \
    --type=firestore-native --project="$PROJECT"

say "Service accounts: the functions' runtime identity, and the one Cloud Tasks calls expireClaim as"
exists gcloud iam service-accounts describe "$RUNTIME_SA" --project="$PROJECT" ||
  run gcloud iam service-accounts create callqueue-functions \
    --display-name="Call queue functions (runtime)" --project="$PROJECT"
exists gcloud iam service-accounts describe "$TASKS_SA" --project="$PROJECT" ||
  run gcloud iam service-accounts create callqueue-tasks \
    --display-name="Call queue lease clean-up (Cloud Tasks OIDC)" --project="$PROJECT"
# Runtime: Firestore data, enqueue tasks, write logs; nothing else.
for role in roles/datastore.user roles/cloudtasks.enqueuer roles/logging.logWriter; do
  run gcloud projects add-iam-policy-binding "$PROJECT" --member="serviceAccount:$RUNTIME_SA" \
    --role="$role" --condition=None --quiet
done
# Tasks created by the runtime carry an OIDC token minted as the tasks account.
run gcloud iam service-accounts add-iam-policy-binding "$TASKS_SA" \
  --member="serviceAccount:$RUNTIME_SA" --role=roles/iam.serviceAccountUser --project="$PROJECT" --quiet

say "Cloud Tasks queue $QUEUE: expireClaim answers 409 to an early delivery, so retries matter"
QUEUE_SETTINGS=(
  --max-attempts=20 --min-backoff=10s --max-backoff=600s --max-doublings=5
  --max-retry-duration=86400s --max-dispatches-per-second=50 --max-concurrent-dispatches=20
)
if $DRY_RUN; then
  echo "# update the queue if it exists, else create it:"
  run gcloud tasks queues update "$QUEUE" --location="$REGION" "${QUEUE_SETTINGS[@]}" --project="$PROJECT"
  run gcloud tasks queues create "$QUEUE" --location="$REGION" "${QUEUE_SETTINGS[@]}" --project="$PROJECT"
elif exists gcloud tasks queues describe "$QUEUE" --location="$REGION" --project="$PROJECT"; then
  run gcloud tasks queues update "$QUEUE" --location="$REGION" "${QUEUE_SETTINGS[@]}" --project="$PROJECT"
else
  run gcloud tasks queues create "$QUEUE" --location="$REGION" "${QUEUE_SETTINGS[@]}" --project="$PROJECT"
fi

say "Firestore security rules and indexes (firebase.json)"
run "$FIREBASE_CLI" deploy --only firestore:rules,firestore:indexes --project="$PROJECT" --non-interactive

say "Functions bundle: main.py, shared/ and the runtime requirements (python3 -m tools.bundle)"
run python3 -m tools.bundle "$BUNDLE"
mapfile -t FUNCTIONS < <(python3 -m tools.bundle --functions)
[ ${#FUNCTIONS[@]} -gt 0 ] || { echo "deploy.sh: functions/main.py lists no functions in __all__" >&2; exit 1; }

# ^;^ makes ';' the separator: values may hold commas.
ENV_VARS="^;^GOOGLE_CLOUD_PROJECT=$PROJECT;FUNCTION_REGION=$REGION;FUNCTIONS_BASE_URL=$BASE_URL"
ENV_VARS+=";TASKS_QUEUE=$QUEUE;TASKS_LOCATION=$REGION;TASKS_SERVICE_ACCOUNT=$TASKS_SA"
ENV_VARS+=";TASKS_AUDIENCE=$AUDIENCE;ALLOWED_ORIGINS=$ORIGINS"

say "Functions (2nd gen, $RUNTIME, $REGION): ${FUNCTIONS[*]}"
for name in "${FUNCTIONS[@]}"; do
  memory=256Mi
  timeout=60s
  # bulkEnqueue writes up to 10,000 places in one request.
  if [ "$name" = bulkEnqueue ]; then memory=512Mi; timeout=540s; fi
  if [[ "$PRIVATE_FUNCTIONS" == *" $name "* ]]; then
    access=--no-allow-unauthenticated
  else
    # Public: each function checks the caller's Firebase ID token itself.
    access=--allow-unauthenticated
  fi
  run gcloud functions deploy "$name" --gen2 --runtime="$RUNTIME" --region="$REGION" \
    --source="$BUNDLE" --entry-point="$name" --trigger-http "$access" \
    --service-account="$RUNTIME_SA" --memory="$memory" --timeout="$timeout" \
    --min-instances=0 --max-instances=20 --set-env-vars="$ENV_VARS" \
    --project="$PROJECT" --quiet
done

say "expireClaim: only the tasks account may invoke it, with tokens for the cloudfunctions.net URL"
run gcloud functions add-invoker-policy-binding expireClaim --region="$REGION" \
  --member="serviceAccount:$TASKS_SA" --project="$PROJECT"
run gcloud run services update expireclaim --region="$REGION" \
  --add-custom-audiences="$AUDIENCE" --project="$PROJECT" --quiet

say "Console on Firebase Hosting (console/ built into console/dist, functions at $BASE_URL)"
if [ -d console ] || $DRY_RUN; then
  if [ ! -d console ]; then echo "# console/ does not exist yet: a real run skips this step"; fi
  if $DRY_RUN || ! "$FIREBASE_CLI" apps:list WEB --project="$PROJECT" --non-interactive 2>/dev/null | grep -q callqueue-console; then
    if $DRY_RUN; then echo "# unless a web app named callqueue-console exists:"; fi
    run "$FIREBASE_CLI" apps:create WEB callqueue-console --project="$PROJECT" --non-interactive
  fi
  run npm --prefix console ci --ignore-scripts --no-audit --no-fund
  run npm --prefix console run build
  # Read by the console at run time, so one build serves any project.
  if $DRY_RUN; then
    echo "# write console/dist/config.json: {\"functionsBaseUrl\": \"$BASE_URL\"}"
  else
    printf '{"functionsBaseUrl": "%s"}\n' "$BASE_URL" >console/dist/config.json
  fi
  run "$FIREBASE_CLI" deploy --only hosting --project="$PROJECT" --non-interactive
else
  echo "# console/ does not exist yet: skipped"
fi

say "Done. Functions: $BASE_URL/<name>; console: https://$PROJECT.web.app"

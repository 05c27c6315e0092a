#!/usr/bin/env bash
# Put the call queue live in one Google Cloud project, or bring it up to date: APIs,
# service accounts and their roles, Firestore (point-in-time recovery, a daily backup), the
# Cloud Tasks queue, every function, Firestore rules and indexes, the console on Firebase
# Hosting. Safe to run again: each step creates what is missing, updates what differs and
# leaves the rest (a function whose source and settings are unchanged is not rebuilt).
# docs/deploy.md explains each step.
#
#   bash deploy.sh PROJECT_ID [--region R] [--dry-run | --plan]
#
# --dry-run prints every command and runs none: no cloud tools or credentials needed.
# --plan asks the project (read-only describe/list calls) and prints which steps would
# create, which would update and which are unchanged; it changes nothing.
# Environment overrides: PYTHON_RUNTIME (python313), FIRESTORE_LOCATION (nam5),
# CALLER_APP_ORIGINS (the caller app's origins, comma-separated: CORS must allow them),
# ALLOWED_ORIGINS (instead of the console's Hosting origins plus CALLER_APP_ORIGINS),
# TASKS_QUEUE (lease-expiry), BACKUP_RETENTION (7d), FIREBASE (firebase CLI to use),
# REQUEST_CALL_MIN_INSTANCES (1: requestCall instances kept warm; 0 scales to zero; every
# other function scales to zero). Cost and reasons: docs/deploy.md, Minimum instances.
set -euo pipefail
cd "$(dirname "$0")"

usage() {
  echo "usage: bash deploy.sh PROJECT_ID [--region R] [--dry-run | --plan]" >&2
  exit 2
}

PROJECT=""
REGION="us-central1"
DRY_RUN=false # print commands, run none
PLAN=false    # print commands, run only the read-only checks
while [ $# -gt 0 ]; do
  case "$1" in
    --region) [ $# -ge 2 ] || usage; REGION="$2"; shift 2 ;;
    --region=*) REGION="${1#--region=}"; shift ;;
    --dry-run) DRY_RUN=true; shift ;;
    --plan) DRY_RUN=true; PLAN=true; shift ;;
    -h | --help) usage ;;
    -*) echo "deploy.sh: unknown option $1" >&2; usage ;;
    *) [ -z "$PROJECT" ] || usage; PROJECT="$1"; shift ;;
  esac
done
[ -n "$PROJECT" ] || usage
case "$PROJECT" in
  demo-*) { $DRY_RUN && ! $PLAN; } || { echo "deploy.sh: $PROJECT is a local emulator project id (demo-*); name a real project" >&2; exit 2; } ;;
esac

RUNTIME="${PYTHON_RUNTIME:-python313}"
FIRESTORE_LOCATION="${FIRESTORE_LOCATION:-nam5}"
QUEUE="${TASKS_QUEUE:-lease-expiry}"
BACKUP_RETENTION="${BACKUP_RETENTION:-7d}"
REQUEST_CALL_MIN_INSTANCES="${REQUEST_CALL_MIN_INSTANCES:-1}"
case "$REQUEST_CALL_MIN_INSTANCES" in
  '' | *[!0-9]*) echo "deploy.sh: REQUEST_CALL_MIN_INSTANCES must be a whole number (0 to 20), not '$REQUEST_CALL_MIN_INSTANCES'" >&2; exit 2 ;;
esac
if [ "$REQUEST_CALL_MIN_INSTANCES" -gt 20 ]; then
  echo "deploy.sh: REQUEST_CALL_MIN_INSTANCES must be at most max instances (20)" >&2; exit 2
fi
# CORS: the console on Firebase Hosting and the caller app; nothing else (docs/security.md).
ORIGINS="${ALLOWED_ORIGINS:-https://${PROJECT}.web.app,https://${PROJECT}.firebaseapp.com${CALLER_APP_ORIGINS:+,$CALLER_APP_ORIGINS}}"
RUNTIME_SA="callqueue-functions@${PROJECT}.iam.gserviceaccount.com"
TASKS_SA="callqueue-tasks@${PROJECT}.iam.gserviceaccount.com"
# Builds the functions' images: new projects' default build account may lack the rights.
BUILD_SA="callqueue-build@${PROJECT}.iam.gserviceaccount.com"
# One base URL for every function: 2nd gen functions answer at this address too, and the
# console, the caller app and Cloud Tasks all address functions as BASE/<name>.
BASE_URL="https://${REGION}-${PROJECT}.cloudfunctions.net"
AUDIENCE="${BASE_URL}/expireClaim"
PRIVATE_FUNCTIONS=" expireClaim "
# Cloud Scheduler calls refreshQueue every 10 minutes with an OIDC token minted as the tasks
# account for this audience (the function checks it; staff may call it too, so it is public).
SCHEDULER_JOB="${SCHEDULER_JOB:-callqueue-refresh-queue}"
REFRESH_URL="${BASE_URL}/refreshQueue"
APIS=(
  cloudresourcemanager.googleapis.com serviceusage.googleapis.com iam.googleapis.com
  iamcredentials.googleapis.com cloudfunctions.googleapis.com run.googleapis.com
  cloudbuild.googleapis.com artifactregistry.googleapis.com cloudtasks.googleapis.com
  firestore.googleapis.com firebase.googleapis.com firebaserules.googleapis.com
  firebasehosting.googleapis.com identitytoolkit.googleapis.com logging.googleapis.com
  cloudscheduler.googleapis.com
)
if [ -n "${FIREBASE:-}" ]; then
  FIREBASE_CLI="$FIREBASE"
elif [ -x node_modules/.bin/firebase ]; then
  FIREBASE_CLI="node_modules/.bin/firebase" # the version package.json pins
else
  FIREBASE_CLI="firebase"
fi
if $DRY_RUN && ! $PLAN; then
  BUNDLE="${TMPDIR:-/tmp}/callqueue-deploy.XXXXXX/functions"
else
  BUILD="$(mktemp -d "${TMPDIR:-/tmp}/callqueue-deploy.XXXXXX")"
  trap 'rm -rf "$BUILD"' EXIT
  BUNDLE="$BUILD/functions"
fi

say() { printf '\n# %s\n' "$*"; }

# The output is read whole before grep: with pipefail, `cli | grep -q` can fail when grep
# stops reading early and the CLI dies of SIGPIPE, which would read as "missing".
has_console_app() {
  local listed
  listed="$("$FIREBASE_CLI" apps:list WEB --project="$PROJECT" --non-interactive)" || return 1
  grep -q callqueue-console <<<"$listed"
}

has_default_site() {
  local listed
  listed="$("$FIREBASE_CLI" hosting:sites:list --project="$PROJECT" --json --non-interactive)" || return 1
  grep -q DEFAULT_SITE <<<"$listed"
}

# Print a command (shell-quoted, so it can be pasted); run it unless this is a dry run.
run() {
  local quoted
  printf -v quoted '%q ' "$@"
  printf '%s\n' "${quoted% }"
  if ! $DRY_RUN; then "$@"; fi
}

# Read-only questions to the project run in a real run and in --plan, never in --dry-run.
asks() { ! $DRY_RUN || $PLAN; }

# state_of IF_EXISTS WHAT CHECK...: STATE=exists when the read-only CHECK succeeds, create
# when it fails, unknown in a dry run (which runs no tool); prints the verdict: "create", or
# IF_EXISTS ("update" when the step then applies its settings, "unchanged" when it does not).
state_of() {
  local if_exists="$1" what="$2" quoted
  shift 2
  printf -v quoted '%q ' "$@"
  if ! asks; then
    STATE=unknown
    printf '# create if missing, else %s: %s (check: %s)\n' "$if_exists" "$what" "${quoted% }"
  elif "$@" >/dev/null 2>&1; then
    STATE=exists
    printf '# %s: %s (exists)\n' "$if_exists" "$what"
  else
    STATE=create
    printf '# create: %s\n' "$what"
  fi
}

# value_of CHECK...: the check's output (empty in a dry run, or when it fails).
value_of() {
  if asks; then "$@" 2>/dev/null || true; fi
}

# Steps that create something when missing and leave it alone when it exists.
create_unless_exists() { [ "$STATE" = exists ] || run "$@"; }

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

if $PLAN; then
  preflight
  echo "# deploy.sh plan for project $PROJECT, region $REGION: read-only checks only, nothing below is run."
elif $DRY_RUN; then
  echo "# deploy.sh dry run for project $PROJECT, region $REGION: nothing below is run."
else
  preflight
  echo "# deploying the call queue to project $PROJECT, region $REGION"
fi

say "APIs"
echo "# update (no change when already enabled): APIs"
run gcloud services enable "${APIS[@]}" --project="$PROJECT"

say "Firebase on the project, and Firestore (native mode)"
state_of unchanged "Firebase on project $PROJECT" "$FIREBASE_CLI" apps:list --project="$PROJECT" --non-interactive
create_unless_exists "$FIREBASE_CLI" projects:addfirebase "$PROJECT" --non-interactive
state_of unchanged "Firestore database (default) in $FIRESTORE_LOCATION" \
  gcloud firestore databases describe --database='(default)' --project="$PROJECT"
create_unless_exists gcloud firestore databases create --database='(default)' \
  --location="$FIRESTORE_LOCATION" --type=firestore-native --project="$PROJECT"

say "Data safety: point-in-time recovery (7 days) and a daily backup kept $BACKUP_RETENTION"
PITR="$(value_of gcloud firestore databases describe --database='(default)' \
  --format='value(pointInTimeRecoveryEnablement)' --project="$PROJECT")"
if [ "$PITR" = POINT_IN_TIME_RECOVERY_ENABLED ]; then
  echo "# unchanged: point-in-time recovery is on"
else
  if asks; then echo "# update: turn point-in-time recovery on"; else
    echo "# update unless already on: point-in-time recovery (check: gcloud firestore databases describe --database='(default)' --format='value(pointInTimeRecoveryEnablement)' --project=$PROJECT)"
  fi
  run gcloud firestore databases update --database='(default)' --enable-pitr --project="$PROJECT"
fi
SCHEDULES="$(value_of gcloud firestore backups schedules list --database='(default)' \
  --format='value(name,retention,dailyRecurrence)' --project="$PROJECT")"
if [ -z "$SCHEDULES" ]; then
  if asks; then echo "# create: daily backup schedule"; else
    echo "# create unless a backup schedule exists: daily backup schedule (check: gcloud firestore backups schedules list --database='(default)' --project=$PROJECT)"
  fi
  run gcloud firestore backups schedules create --database='(default)' --recurrence=daily \
    --retention="$BACKUP_RETENTION" --project="$PROJECT"
else
  echo "# unchanged: a backup schedule exists ($(printf '%s' "$SCHEDULES" | head -n 1 | tr '\t' ' '))"
fi

say "Service accounts: the functions' runtime identity, the one Cloud Tasks calls expireClaim as, the build's"
state_of unchanged "service account $RUNTIME_SA" gcloud iam service-accounts describe "$RUNTIME_SA" --project="$PROJECT"
create_unless_exists gcloud iam service-accounts create callqueue-functions \
  --display-name="Call queue functions (runtime)" --project="$PROJECT"
state_of unchanged "service account $TASKS_SA" gcloud iam service-accounts describe "$TASKS_SA" --project="$PROJECT"
create_unless_exists gcloud iam service-accounts create callqueue-tasks \
  --display-name="Call queue lease clean-up (Cloud Tasks OIDC)" --project="$PROJECT"
state_of unchanged "service account $BUILD_SA" gcloud iam service-accounts describe "$BUILD_SA" --project="$PROJECT"
create_unless_exists gcloud iam service-accounts create callqueue-build \
  --display-name="Call queue function builds (Cloud Build)" --project="$PROJECT"
# Role bindings are idempotent: adding one that exists changes nothing.
echo "# update (no change when already granted): role bindings"
# Runtime: Firestore data, enqueue tasks, write logs, and read Firebase Auth users (the
# disabled/revoked check and listCallers: without it every signed-in call answers 503).
for role in roles/datastore.user roles/cloudtasks.enqueuer roles/logging.logWriter \
  roles/firebaseauth.viewer; do
  run gcloud projects add-iam-policy-binding "$PROJECT" --member="serviceAccount:$RUNTIME_SA" \
    --role="$role" --condition=None --quiet
done
# Tasks created by the runtime carry an OIDC token minted as the tasks account.
run gcloud iam service-accounts add-iam-policy-binding "$TASKS_SA" \
  --member="serviceAccount:$RUNTIME_SA" --role=roles/iam.serviceAccountUser --project="$PROJECT" --quiet
# Function builds: read the uploaded source, write images and build logs.
run gcloud projects add-iam-policy-binding "$PROJECT" --member="serviceAccount:$BUILD_SA" \
  --role=roles/cloudbuild.builds.builder --condition=None --quiet

say "Cloud Tasks queue $QUEUE: expireClaim answers 409 to an early delivery, so retries matter"
QUEUE_SETTINGS=(
  --max-attempts=20 --min-backoff=10s --max-backoff=600s --max-doublings=5
  --max-retry-duration=86400s --max-dispatches-per-second=50 --max-concurrent-dispatches=20
)
state_of update "Cloud Tasks queue $QUEUE" gcloud tasks queues describe "$QUEUE" --location="$REGION" --project="$PROJECT"
if [ "$STATE" != create ]; then
  run gcloud tasks queues update "$QUEUE" --location="$REGION" "${QUEUE_SETTINGS[@]}" --project="$PROJECT"
fi
if [ "$STATE" != exists ]; then
  run gcloud tasks queues create "$QUEUE" --location="$REGION" "${QUEUE_SETTINGS[@]}" --project="$PROJECT"
fi

say "Firestore security rules and indexes (firebase.json)"
echo "# update: the firebase CLI releases the rules only when they differ, and adds missing indexes"
run "$FIREBASE_CLI" deploy --only firestore:rules,firestore:indexes --project="$PROJECT" --non-interactive

say "Functions bundle: main.py, shared/ and the runtime requirements (python3 -m tools.bundle)"
run python3 -m tools.bundle "$BUNDLE"
# The plan builds the bundle too (local, changes nothing): it tells which functions changed.
if $PLAN; then python3 -m tools.bundle "$BUNDLE" >/dev/null; fi
mapfile -t FUNCTIONS < <(python3 -m tools.bundle --functions)

# config_hash SETTINGS...: 16 hex digits over the bundle's files and the settings; empty in a
# dry run (no bundle is built).
config_hash() {
  [ -d "$BUNDLE" ] || return 0
  {
    (cd "$BUNDLE" && find . -type f -print | LC_ALL=C sort | xargs sha256sum)
    printf '%s\n' "$@"
  } | sha256sum | cut -c1-16
}
[ ${#FUNCTIONS[@]} -gt 0 ] || { echo "deploy.sh: functions/main.py lists no functions in __all__" >&2; exit 1; }

# CORS: with neither CALLER_APP_ORIGINS nor ALLOWED_ORIGINS given, keep what the functions
# have (--set-env-vars replaces every variable: a bare re-run must not cut the caller app off).
if [ -z "${ALLOWED_ORIGINS:-}${CALLER_APP_ORIGINS:-}" ]; then
  DEPLOYED_ORIGINS="$(value_of gcloud functions describe requestCall --gen2 --region="$REGION" \
    --format='value(serviceConfig.environmentVariables.ALLOWED_ORIGINS)' --project="$PROJECT")"
  if [ -n "$DEPLOYED_ORIGINS" ]; then
    ORIGINS="$DEPLOYED_ORIGINS"
    echo "# ALLOWED_ORIGINS kept as deployed: $ORIGINS"
  elif asks; then
    echo "deploy.sh: warning: CALLER_APP_ORIGINS is not set and no deployed ALLOWED_ORIGINS was found; the caller app's web origin will get 403 (CORS)" >&2
  else
    echo "deploy.sh: warning: CALLER_APP_ORIGINS is not set: a real run keeps the deployed ALLOWED_ORIGINS, and on a first deploy the caller app's web origin will get 403 (CORS)" >&2
    echo "# a real run keeps the deployed ALLOWED_ORIGINS (gcloud functions describe requestCall)"
  fi
fi

# ^;^ makes ';' the separator: values may hold commas.
ENV_VARS="^;^GOOGLE_CLOUD_PROJECT=$PROJECT;FUNCTION_REGION=$REGION;FUNCTIONS_BASE_URL=$BASE_URL"
ENV_VARS+=";TASKS_QUEUE=$QUEUE;TASKS_LOCATION=$REGION;TASKS_SERVICE_ACCOUNT=$TASKS_SA"
ENV_VARS+=";TASKS_AUDIENCE=$AUDIENCE;ALLOWED_ORIGINS=$ORIGINS"

say "Functions (2nd gen, $RUNTIME, $REGION): ${FUNCTIONS[*]}"
for name in "${FUNCTIONS[@]}"; do
  memory=256Mi
  timeout=60s
  min_instances=0
  env_vars="$ENV_VARS"
  # bulkEnqueue writes up to 10,000 places in one request; refreshQueue reads every target's
  # places and writes up to FRESHNESS_MAX_PER_RUN of them.
  if [ "$name" = bulkEnqueue ] || [ "$name" = refreshQueue ]; then memory=512Mi; timeout=540s; fi
  # A caller's "next call" should not wait for a cold start: instances kept warm import at
  # start-up what the first request would (PRELOAD_FUNCTIONS), so they answer it warm.
  if [ "$name" = requestCall ] && [ "$REQUEST_CALL_MIN_INSTANCES" -gt 0 ]; then
    min_instances="$REQUEST_CALL_MIN_INSTANCES"
    env_vars+=";PRELOAD_FUNCTIONS=requestCall"
  fi
  if [[ "$PRIVATE_FUNCTIONS" == *" $name "* ]]; then
    access=--no-allow-unauthenticated
  else
    # Public: each function checks the caller's Firebase ID token itself.
    access=--allow-unauthenticated
  fi
  settings=(
    --gen2 --runtime="$RUNTIME" --region="$REGION" --entry-point="$name" --trigger-http "$access"
    --service-account="$RUNTIME_SA" --build-service-account="projects/$PROJECT/serviceAccounts/$BUILD_SA"
    --memory="$memory" --timeout="$timeout" --min-instances="$min_instances" --max-instances=20
    --set-env-vars="$env_vars"
  )
  # The source and settings, as a label: a function whose label matches is not rebuilt.
  config="$(config_hash "${settings[@]}")"
  deployed="$(value_of gcloud functions describe "$name" --gen2 --region="$REGION" \
    --format='value(labels.callqueue_config)' --project="$PROJECT")"
  if [ -n "$config" ] && [ "$deployed" = "$config" ]; then
    echo "# unchanged: function $name (config $config)"
    continue
  fi
  if ! asks; then
    echo "# create or update: function $name (skipped in a real run when its source and settings are unchanged)"
  elif [ -n "$deployed" ]; then
    echo "# update: function $name (config $deployed -> $config)"
  else
    echo "# create: function $name (config $config; or an update of one deployed without the label)"
  fi
  run gcloud functions deploy "$name" --source="$BUNDLE" "${settings[@]}" \
    --update-labels="callqueue_config=${config:-dry-run}" --project="$PROJECT" --quiet
done

say "expireClaim: only the tasks account may invoke it, with tokens for the cloudfunctions.net URL"
echo "# update (no change when already so): invoker binding and custom audience"
run gcloud functions add-invoker-policy-binding expireClaim --region="$REGION" \
  --member="serviceAccount:$TASKS_SA" --project="$PROJECT"
run gcloud run services update expireclaim --region="$REGION" \
  --add-custom-audiences="$AUDIENCE" --project="$PROJECT" --quiet

say "Cloud Scheduler job $SCHEDULER_JOB: refreshQueue every 10 minutes (freshness targets)"
SCHEDULER_SETTINGS=(
  --location="$REGION" --schedule="*/10 * * * *" --time-zone=Etc/UTC --uri="$REFRESH_URL"
  --http-method=POST --message-body="{}"
  --oidc-service-account-email="$TASKS_SA" --oidc-token-audience="$REFRESH_URL"
  --attempt-deadline=540s --max-retry-attempts=1
)
state_of update "Cloud Scheduler job $SCHEDULER_JOB" gcloud scheduler jobs describe "$SCHEDULER_JOB" \
  --location="$REGION" --project="$PROJECT"
if [ "$STATE" != create ]; then
  run gcloud scheduler jobs update http "$SCHEDULER_JOB" "${SCHEDULER_SETTINGS[@]}" \
    --update-headers=Content-Type=application/json --project="$PROJECT" --quiet
fi
if [ "$STATE" != exists ]; then
  run gcloud scheduler jobs create http "$SCHEDULER_JOB" "${SCHEDULER_SETTINGS[@]}" \
    --headers=Content-Type=application/json --project="$PROJECT" --quiet
fi

say "Console on Firebase Hosting (console/ built into console/dist, functions at $BASE_URL)"
if [ -d console ] || $DRY_RUN; then
  if [ ! -d console ]; then echo "# console/ does not exist yet: a real run skips this step"; fi
  # firebase deploy --only hosting refuses a project without its default site, and only
  # apps:create on the run that creates the app would have made one.
  state_of unchanged "default Hosting site $PROJECT (firebase hosting:sites:list --json lists a DEFAULT_SITE)" \
    has_default_site
  create_unless_exists "$FIREBASE_CLI" hosting:sites:create "$PROJECT" --project="$PROJECT" --non-interactive
  state_of unchanged "Firebase web app callqueue-console (firebase apps:list WEB names it)" has_console_app
  create_unless_exists "$FIREBASE_CLI" apps:create WEB callqueue-console --project="$PROJECT" --non-interactive
  run npm --prefix console ci --ignore-scripts --no-audit --no-fund
  run npm --prefix console run build
  # Read by the console at run time, so one build serves any project.
  if $DRY_RUN; then
    echo "# write console/dist/config.json: {\"functionsBaseUrl\": \"$BASE_URL\"}"
  else
    printf '{"functionsBaseUrl": "%s"}\n' "$BASE_URL" >console/dist/config.json
  fi
  echo "# update: a new Hosting release of the console (only changed files upload)"
  run "$FIREBASE_CLI" deploy --only hosting --project="$PROJECT" --non-interactive
else
  echo "# console/ does not exist yet: skipped"
fi

say "Done. Functions: $BASE_URL/<name>; console: https://$PROJECT.web.app"

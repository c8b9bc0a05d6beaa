#!/usr/bin/env bash
# Deploy sheetsync to Google Cloud: a 2nd-gen Cloud Function run daily by Cloud Scheduler,
# and its public Mark-done page (NAME-act), whose signed links the emails carry (for one
# tracker or, with --registry / --trackers, for every tracker of the list).
#
#   SHEETSYNC_SMTP_PASSWORD=... cloud_function/deploy.sh --project my-project \
#       --tracker https://docs.google.com/spreadsheets/d/ID/edit \
#       --sender 'Contracts Desk <contracts@example.com>' \
#       --smtp-url 'smtp://contracts%40example.com@smtp.example.com:587' \
#       --time-zone Europe/Berlin
#
# Many trackers from one deployment: --registry URL (a sheet admins edit, one row per
# tracker with an On column) or --trackers "URL URL ..." instead of --tracker. Then a
# fan-out function publishes one Pub/Sub message per tracker, and an ordered push
# subscription feeds a worker function of --workers instances (cloud_function/fleet.sh).
#
# --dry-run prints every command instead of running it (nothing is built or changed).
# Run it from anywhere; it builds the source folder with the Python that has sheetsync
# installed ($PYTHON, default python3). Safe to run again: what exists is reused or updated.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: cloud_function/deploy.sh [options]

Required (flag or environment variable):
  --project ID           Google Cloud project              (GOOGLE_CLOUD_PROJECT)
  --tracker URL          Google Sheets URL or ID           (SHEETSYNC_TRACKER)
                         or, for many trackers, one of:
  --registry URL         the registry sheet: Tracker and On columns (SHEETSYNC_REGISTRY)
  --trackers LIST        Google Sheets URLs or IDs, space-separated (SHEETSYNC_TRACKERS)
  --smtp-url URL         smtp://user@host:587 or smtps://host:465 (SHEETSYNC_SMTP_URL)
  --time-zone TZ         the tracker's time zone, e.g. Europe/Berlin (SHEETSYNC_TIME_ZONE)
Optional:
  --region REGION        default us-central1               (SHEETSYNC_REGION)
  --sender ADDRESS       the From address                  (SHEETSYNC_SENDER)
  --allowed-domains LIST e.g. "example.com example.org"    (SHEETSYNC_ALLOWED_DOMAINS)
  --schedule CRON        default "0 7 * * *" (daily 07:00 in --time-zone)
  --name NAME            function and job name, default sheetsync
  --memory SIZE          default 1Gi: enough for ~200,000 milestones; 2Gi beyond
  --timeout DURATION     default 540s; most of a run is sending mail, so allow about
                         a second per email (max 3600s; the scheduler waits 1800s)
  --build-dir DIR        where to build the source folder, default build/cloud-function
  --no-send              deploy with SHEETSYNC_DRY_RUN=1: evaluate, write and send nothing
  --workers N            many trackers: worker instances at once, default 4; each
                         paces itself at its share of the Sheets quota
  --sheets-quota N       many trackers: the service account's Sheets read and write
                         requests per minute, default 60 (Google's default quota)
  --dry-run              print the commands instead of running them
  -h, --help             this help
The SMTP password is read from SHEETSYNC_SMTP_PASSWORD and sent to Secret Manager on
stdin; leave it unset for a server without login. The key that signs Mark-done links
is made once, at random, straight into Secret Manager (NAME-link-keys); a later deploy
keeps it (docs/deploy.md says how to rotate it).
EOF
}

die() {
  echo "deploy.sh: error: $*" >&2
  exit 2
}

PROJECT=${GOOGLE_CLOUD_PROJECT:-}
REGION=${SHEETSYNC_REGION:-us-central1}
TRACKER=${SHEETSYNC_TRACKER:-}
REGISTRY=${SHEETSYNC_REGISTRY:-}
TRACKERS=${SHEETSYNC_TRACKERS:-}
WORKERS=4
SHEETS_QUOTA=60
SENDER=${SHEETSYNC_SENDER:-}
SMTP_URL=${SHEETSYNC_SMTP_URL:-}
ALLOWED_DOMAINS=${SHEETSYNC_ALLOWED_DOMAINS:-}
TIME_ZONE=${SHEETSYNC_TIME_ZONE:-}
SCHEDULE="0 7 * * *"
NAME=sheetsync
MEMORY=1Gi
TIMEOUT=540s
BUILD_DIR=build/cloud-function
NO_SEND=0
DRY_RUN=0
PYTHON=${PYTHON:-python3}

while (($#)); do
  case $1 in
    --project | --region | --tracker | --sender | --smtp-url | --allowed-domains | \
      --time-zone | --schedule | --name | --memory | --timeout | --build-dir | \
      --registry | --trackers | --workers | --sheets-quota)
      (($# >= 2)) || die "$1 needs a value"
      value=$2
      case $1 in
        --project) PROJECT=$value ;;
        --region) REGION=$value ;;
        --tracker) TRACKER=$value ;;
        --registry) REGISTRY=$value ;;
        --trackers) TRACKERS=$value ;;
        --workers) WORKERS=$value ;;
        --sheets-quota) SHEETS_QUOTA=$value ;;
        --sender) SENDER=$value ;;
        --smtp-url) SMTP_URL=$value ;;
        --allowed-domains) ALLOWED_DOMAINS=$value ;;
        --time-zone) TIME_ZONE=$value ;;
        --schedule) SCHEDULE=$value ;;
        --name) NAME=$value ;;
        --memory) MEMORY=$value ;;
        --timeout) TIMEOUT=$value ;;
        --build-dir) [[ $value == /* ]] && BUILD_DIR=$value || BUILD_DIR="$PWD/$value" ;;
      esac
      shift 2
      ;;
    --no-send) NO_SEND=1 && shift ;;
    --dry-run) DRY_RUN=1 && shift ;;
    -h | --help) usage && exit 0 ;;
    *) die "unknown option $1 (see --help)" ;;
  esac
done

[[ -n $PROJECT ]] || die "--project is required (or set GOOGLE_CLOUD_PROJECT)"
FLEET=$([[ -n $REGISTRY$TRACKERS ]] && echo 1 || echo 0)
[[ -n $TRACKER || $FLEET == 1 ]] || die "--tracker is required (or set SHEETSYNC_TRACKER)"
[[ -z $TRACKER || $FLEET == 0 ]] || die "--tracker runs one tracker: leave it out with --registry"
[[ -z $REGISTRY || -z $TRACKERS ]] || die "--registry or --trackers, not both"
[[ $WORKERS =~ ^[1-9][0-9]*$ && $SHEETS_QUOTA =~ ^[1-9][0-9]*$ ]] ||
  die "--workers and --sheets-quota must be whole numbers"
((SHEETS_QUOTA / WORKERS >= 1)) || die "--workers must not exceed --sheets-quota"
[[ -n $SMTP_URL || $NO_SEND == 1 ]] || die "--smtp-url is required (or set SHEETSYNC_SMTP_URL)"
[[ $TRACKER != *.xls[xm] ]] || die "--tracker must be a Google Sheet, not a local workbook"
[[ -n $TIME_ZONE ]] || die "--time-zone is required: the tracker's, e.g. Europe/Berlin"
[[ $TIMEOUT =~ ^[0-9]+s$ ]] || die "--timeout must be seconds, like 540s"
smtp_user=${SMTP_URL#*://}
if [[ $smtp_user == *@* && -z ${SHEETSYNC_SMTP_PASSWORD:-} ]]; then
  die "the SMTP URL names a user: set SHEETSYNC_SMTP_PASSWORD to the password"
fi

RUNNER="$NAME-runner"
RUNNER_EMAIL="$RUNNER@$PROJECT.iam.gserviceaccount.com"
SCHEDULER="$NAME-scheduler"
[[ $NAME =~ ^[a-z][a-z0-9-]*$ && ${#SCHEDULER} -le 30 ]] ||
  die "--name must be lower-case letters, digits and dashes, at most 20 characters"
SCHEDULER_EMAIL="$SCHEDULER@$PROJECT.iam.gserviceaccount.com"
SECRET="$NAME-smtp-password"
LINK_SECRET="$NAME-link-keys"
ACT="$NAME-act"
# The scheduler gives up on a request after at most 30 minutes.
seconds=${TIMEOUT%s}
DEADLINE="$((seconds < 1800 ? seconds : 1800))s"

# Environment of the function. gcloud splits --set-env-vars on commas; a sender or a
# domain list may hold one, so the list uses gcloud's alternate delimiter syntax (^|^).
env_vars="SHEETSYNC_TRACKER=$TRACKER"
# many trackers: the workers get no tracker (each message names one), but their pacing
((FLEET == 0)) || env_vars="SHEETSYNC_WORKERS=$WORKERS|SHEETSYNC_SHEETS_QUOTA=$SHEETS_QUOTA"
[[ -z $SMTP_URL ]] || env_vars+="|SHEETSYNC_SMTP_URL=$SMTP_URL"
[[ -z $SENDER ]] || env_vars+="|SHEETSYNC_SENDER=$SENDER"
[[ -z $ALLOWED_DOMAINS ]] || env_vars+="|SHEETSYNC_ALLOWED_DOMAINS=$ALLOWED_DOMAINS"
((NO_SEND == 0)) || env_vars+="|SHEETSYNC_DRY_RUN=1"
[[ $TRACKER$REGISTRY$TRACKERS$SMTP_URL$SENDER$ALLOWED_DOMAINS != *"|"* ]] || die "values must not contain |"

# One argument as a shell word: quoted only when needed, the value after --flag= only.
quote() {
  local arg=$1 flag=""
  if [[ $arg =~ ^(--[a-z-]+=)(.*)$ ]]; then
    flag=${BASH_REMATCH[1]} arg=${BASH_REMATCH[2]}
  fi
  local expands='^[A-Za-z0-9_@%+=:,./$-]+$'
  if [[ $arg == *'$'* && $arg =~ $expands ]]; then
    arg="\"$arg\""  # a variable the printed commands set: expanded when pasted
  elif [[ $arg == *'$ACT_URL'* ]]; then
    # double quotes, so $ACT_URL (step 6's answer) expands when the line is pasted
    arg=${arg//\\/\\\\} && arg=${arg//\"/\\\"} && arg=${arg//\`/\\\`}
    arg=${arg//\$/\\\$} && arg="\"${arg//\\\$ACT_URL/\$ACT_URL}\""
  elif [[ ! $arg =~ ^[A-Za-z0-9_@%+=:,./-]+$ ]]; then
    arg="'${arg//\'/\'\\\'\'}'"
  fi
  printf '%s%s' "$flag" "$arg"
}

# A command as one line a person can paste.
show() {
  local words=() arg
  for arg in "$@"; do words+=("$(quote "$arg")"); done
  echo "${words[*]}"
}

# Print a command, then run it unless --dry-run.
run() {
  show "$@"
  ((DRY_RUN)) || "$@"
}

# True when a resource exists; a dry run assumes a project where nothing exists yet.
exists() {
  ((DRY_RUN == 0)) && "$@" >/dev/null 2>&1
}

# The deployed function $1's URL into the variable named $2 (printed as a command in a dry run).
function_url() {
  echo "$2=\$(gcloud functions describe $1 --gen2 --region=$REGION" \
    "--format='value(serviceConfig.uri)' --project=$PROJECT)"
  printf -v "$2" '%s' "\$$2"
  if ((DRY_RUN == 0)); then
    printf -v "$2" '%s' "$(gcloud functions describe "$1" --gen2 --region="$REGION" \
      --format='value(serviceConfig.uri)' --project="$PROJECT")"
  fi
}

schedule_daily() { # $1: how long Cloud Scheduler waits for the function
  function_url "$NAME" URL
  verb=create
  if exists gcloud scheduler jobs describe "$NAME-daily" --location="$REGION" \
    --project="$PROJECT"; then
    verb=update
  fi
  run gcloud scheduler jobs "$verb" http "$NAME-daily" --location="$REGION" \
    --schedule="$SCHEDULE" --time-zone="$TIME_ZONE" --uri="$URL" --http-method=POST \
    --headers=Content-Type=application/json --message-body='{}' \
    --oidc-service-account-email="$SCHEDULER_EMAIL" --oidc-token-audience="$URL" \
    --attempt-deadline="$1" --max-retry-attempts=2 --min-backoff=300s \
    --project="$PROJECT"
}

# Step 6, the public Mark-done page; $1: the variable(s) naming what it serves, $2: in words.
# The run target (or a fleet's workers) then gets its URL as the Action URL, and the key.
deploy_act() {
  echo "# 6. Deploy the Mark-done page: public, as the signed link in each email is the"
  echo "#    credential; it gets $2 and the link key only (no mail settings)"
  run gcloud functions deploy "$ACT" --gen2 --runtime=python312 --region="$REGION" \
    --source="$BUILD_DIR" --entry-point=act --trigger-http --allow-unauthenticated \
    --service-account="$RUNNER_EMAIL" --max-instances=3 --concurrency=1 --timeout=60s \
    --memory="$MEMORY" --set-env-vars="^|^$1" \
    --set-secrets="$link_keys" --project="$PROJECT"
  function_url "$ACT" ACT_URL
  env_vars+="|SHEETSYNC_ACTION_URL=$ACT_URL"
  secrets=(--set-secrets="$link_keys${secrets[0]+,${secrets[0]#--set-secrets=}}")
}

# Send the password to a secret command on stdin; only the variable's name is printed.
with_password() {
  echo "printf '%s' \"\$SHEETSYNC_SMTP_PASSWORD\" | $(show "$@")"
  ((DRY_RUN)) || printf '%s' "$SHEETSYNC_SMTP_PASSWORD" | "$@"
}

cd "$(dirname "$0")/.."

apis=(cloudfunctions.googleapis.com run.googleapis.com cloudbuild.googleapis.com
  artifactregistry.googleapis.com cloudscheduler.googleapis.com secretmanager.googleapis.com
  sheets.googleapis.com logging.googleapis.com)
((FLEET == 0)) || apis+=(pubsub.googleapis.com)
echo "# 1. Enable the APIs"
run gcloud services enable "${apis[@]}" --project="$PROJECT"

echo "# 2. Service accounts: one the function runs as, one the scheduler calls it as"
if ! exists gcloud iam service-accounts describe "$RUNNER_EMAIL" --project="$PROJECT"; then
  run gcloud iam service-accounts create "$RUNNER" \
    --display-name="sheetsync: reads and writes the tracker" --project="$PROJECT"
fi
if ! exists gcloud iam service-accounts describe "$SCHEDULER_EMAIL" --project="$PROJECT"; then
  run gcloud iam service-accounts create "$SCHEDULER" \
    --display-name="sheetsync: starts the daily run" --project="$PROJECT"
fi

secrets=()
if [[ -n ${SHEETSYNC_SMTP_PASSWORD:-} ]]; then
  echo "# 3. The SMTP password, in Secret Manager (read from stdin, never on a command line)"
  if exists gcloud secrets describe "$SECRET" --project="$PROJECT"; then
    with_password gcloud secrets versions add "$SECRET" --data-file=- --project="$PROJECT"
  else
    with_password gcloud secrets create "$SECRET" --replication-policy=automatic \
      --data-file=- --project="$PROJECT"
  fi
  run gcloud secrets add-iam-policy-binding "$SECRET" \
    --member="serviceAccount:$RUNNER_EMAIL" --role=roles/secretmanager.secretAccessor \
    --project="$PROJECT"
  secrets=(--set-secrets="SHEETSYNC_SMTP_PASSWORD=$SECRET:latest")
fi

echo "# 4. The key that signs Mark-done links: made once, at random, straight into Secret Manager"
if ! exists gcloud secrets describe "$LINK_SECRET" --project="$PROJECT"; then
  keygen=("$PYTHON" -c 'import secrets; print(secrets.token_urlsafe(32), end="")')
  echo "$(show "${keygen[@]}") | $(show gcloud secrets create "$LINK_SECRET" \
    --replication-policy=automatic --data-file=- --project="$PROJECT")"
  if ((DRY_RUN == 0)); then
    "${keygen[@]}" | gcloud secrets create "$LINK_SECRET" --replication-policy=automatic \
      --data-file=- --project="$PROJECT"
  fi
fi
run gcloud secrets add-iam-policy-binding "$LINK_SECRET" \
  --member="serviceAccount:$RUNNER_EMAIL" --role=roles/secretmanager.secretAccessor \
  --project="$PROJECT"
link_keys="SHEETSYNC_LINK_KEYS=$LINK_SECRET:latest"

echo "# 5. Build the source folder (main.py, requirements.txt, the sheetsync package)"
run "$PYTHON" -m sheetsync.build_function --clean "$BUILD_DIR"

if ((FLEET)); then
  . cloud_function/fleet.sh # the page, the fan-out, Pub/Sub and the workers, not steps 6-9
  exit 0
fi

deploy_act "SHEETSYNC_TRACKER=$TRACKER" "the tracker"

echo "# 7. Deploy the function (one instance, one request at a time: runs never overlap);"
echo "#    private: only the scheduler may call it"
run gcloud functions deploy "$NAME" --gen2 --runtime=python312 --region="$REGION" \
  --source="$BUILD_DIR" --entry-point=run_tracker --trigger-http --no-allow-unauthenticated \
  --service-account="$RUNNER_EMAIL" --max-instances=1 --concurrency=1 \
  --timeout="$TIMEOUT" --memory="$MEMORY" --set-env-vars="^|^$env_vars" \
  "${secrets[@]}" --project="$PROJECT"

echo "# 8. Let the scheduler's account call it"
run gcloud functions add-invoker-policy-binding "$NAME" --region="$REGION" \
  --member="serviceAccount:$SCHEDULER_EMAIL" --project="$PROJECT"

echo "# 9. Schedule it: $SCHEDULE in $TIME_ZONE, OIDC token for the function's URL;"
echo "#    a failed run is retried twice, 5 and 10 minutes later (a rerun sends nothing twice)"
schedule_daily "$DEADLINE"

echo "# Done. Share the spreadsheet (Editor) with the function's service account:"
echo "$RUNNER_EMAIL"
echo "# Then start a run now instead of waiting for $SCHEDULE:"
echo "$(show gcloud scheduler jobs run "$NAME-daily" --location="$REGION" --project="$PROJECT")"

# Sourced by deploy.sh after step 5 when it deploys many trackers (--registry or --trackers).
#
# The Mark-done page (deploy_act, step 6) serves every tracker of the list: a link's token
# names its tracker, so the workers' emails carry links (SHEETSYNC_ACTION_URL and the key).
# Cloud Scheduler calls the fan-out function, which publishes one Pub/Sub message per
# tracker (its spreadsheet ID as the ordering key) to the topic. An ordered push
# subscription hands each message to the worker function, at most --workers at once
# (one request per instance); a worker that fails answers 500, so Pub/Sub redelivers
# that message alone, 1 to 10 minutes later, and after the fifth attempt moves it to the
# dead-letter topic. Each worker paces its Sheets API requests at the quota divided by
# --workers, so together they stay inside the one service account's quota.
# shellcheck shell=bash disable=SC2154

WORKER="$NAME-worker"
TOPIC="$NAME-trackers"
DEAD="$NAME-trackers-dead"
PUSH="$NAME-trackers-push"
list_var="SHEETSYNC_REGISTRY=$REGISTRY"
[[ -n $REGISTRY ]] || list_var="SHEETSYNC_TRACKERS=$TRACKERS"

deploy_act "$list_var" "the tracker list"

echo "# 7. Deploy the worker: runs the one tracker a message names; $WORKERS instances at most,"
echo "#    one message each, each paced at 1/$WORKERS of the Sheets quota ($SHEETS_QUOTA a minute)"
run gcloud functions deploy "$WORKER" --gen2 --runtime=python312 --region="$REGION" \
  --source="$BUILD_DIR" --entry-point=on_pubsub --trigger-http --no-allow-unauthenticated \
  --service-account="$RUNNER_EMAIL" --max-instances="$WORKERS" --concurrency=1 \
  --timeout="$TIMEOUT" --memory="$MEMORY" --set-env-vars="^|^$env_vars" \
  ${secrets[@]+"${secrets[@]}"} --project="$PROJECT"

echo "# 8. Deploy the fan-out: reads the tracker list, publishes one message per tracker"
run gcloud functions deploy "$NAME" --gen2 --runtime=python312 --region="$REGION" \
  --source="$BUILD_DIR" --entry-point=fan_out --trigger-http --no-allow-unauthenticated \
  --service-account="$RUNNER_EMAIL" --max-instances=1 --concurrency=1 --timeout=300s \
  --memory=512Mi --set-env-vars="^|^$list_var|SHEETSYNC_TOPIC=projects/$PROJECT/topics/$TOPIC" \
  --project="$PROJECT"

echo "# 9. Topics: one message per tracker, and the dead letters (read them with the pull below)"
for topic in "$TOPIC" "$DEAD"; do
  if ! exists gcloud pubsub topics describe "$topic" --project="$PROJECT"; then
    run gcloud pubsub topics create "$topic" --project="$PROJECT"
  fi
done
if ! exists gcloud pubsub subscriptions describe "$DEAD" --project="$PROJECT"; then
  run gcloud pubsub subscriptions create "$DEAD" --topic="$DEAD" --project="$PROJECT"
fi
run gcloud pubsub topics add-iam-policy-binding "$TOPIC" \
  --member="serviceAccount:$RUNNER_EMAIL" --role=roles/pubsub.publisher --project="$PROJECT"

echo "# 10. The push subscription: ordered by tracker, retried alone with backoff, dead-lettered"
echo "#    after 5 attempts; it calls the worker as the scheduler's account"
function_url "$WORKER" WORKER_URL
echo "PROJECT_NUMBER=\$(gcloud projects describe $PROJECT --format='value(projectNumber)')"
PROJECT_NUMBER='$PROJECT_NUMBER'
if ((DRY_RUN == 0)); then
  PROJECT_NUMBER=$(gcloud projects describe "$PROJECT" --format='value(projectNumber)')
fi
PUBSUB_AGENT="service-$PROJECT_NUMBER@gcp-sa-pubsub.iam.gserviceaccount.com"
verb=create
if exists gcloud pubsub subscriptions describe "$PUSH" --project="$PROJECT"; then
  verb=update
fi
run gcloud pubsub subscriptions "$verb" "$PUSH" --topic="$TOPIC" \
  --push-endpoint="$WORKER_URL" --push-auth-service-account="$SCHEDULER_EMAIL" \
  --enable-message-ordering --ack-deadline=600 --dead-letter-topic="$DEAD" \
  --max-delivery-attempts=5 --min-retry-delay=60s --max-retry-delay=600s --project="$PROJECT"
run gcloud pubsub topics add-iam-policy-binding "$DEAD" \
  --member="serviceAccount:$PUBSUB_AGENT" --role=roles/pubsub.publisher --project="$PROJECT"
run gcloud pubsub subscriptions add-iam-policy-binding "$PUSH" \
  --member="serviceAccount:$PUBSUB_AGENT" --role=roles/pubsub.subscriber --project="$PROJECT"

echo "# 11. Let the scheduler's account call both functions"
for function in "$NAME" "$WORKER"; do
  run gcloud functions add-invoker-policy-binding "$function" --region="$REGION" \
    --member="serviceAccount:$SCHEDULER_EMAIL" --project="$PROJECT"
done

echo "# 12. Schedule the fan-out: $SCHEDULE in $TIME_ZONE"
schedule_daily 300s

echo "# Done. Share each tracker (Editor) and the registry sheet (Viewer) with this account:"
echo "$RUNNER_EMAIL"
echo "# Trackers that failed five times wait in the dead-letter subscription:"
show gcloud pubsub subscriptions pull "$DEAD" --limit=20 --project="$PROJECT"

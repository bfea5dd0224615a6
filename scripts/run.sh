#!/usr/bin/env bash
# Bring the whole app up on the embedded defaults: web server and worker cluster
# together; Ctrl-C or SIGTERM stops both (the cluster hands a running job back, see
# enhance/worker/stopping.py).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}
# Links in emails (job finished, password reset) point here unless SITE_URL says otherwise.
export SITE_URL=${SITE_URL:-http://$HOST:$PORT}

$PY manage.py migrate --noinput
$PY manage.py ensure_demo_user
# DEMO_SAMPLES=0 leaves the demo account without its sample photos and their jobs.
DEMO_SAMPLES=${DEMO_SAMPLES:-1}

pids=()
helpers=()
cleanup() {
    trap - INT TERM EXIT
    for pid in "${helpers[@]}" "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
}
trap cleanup INT TERM EXIT

$PY manage.py qcluster &
pids+=($!)
$PY manage.py runserver --noreload "$HOST:$PORT" &
pids+=($!)
if [ "$DEMO_SAMPLES" = 1 ]; then
    # The demo account's sample photos, and real jobs on them once a worker says it runs the
    # model (a few seconds after the cluster starts); idempotent, so a restart adds nothing.
    $PY manage.py seed_demo_photos --wait 300 &
    helpers+=($!)
fi

echo
echo "Restore is running at http://$HOST:$PORT/  (Ctrl-C stops the web server and the workers)"
echo
wait -n "${pids[@]}"

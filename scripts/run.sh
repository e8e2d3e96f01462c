#!/usr/bin/env bash
# `make run`: the web server and a Celery worker (with beat) on the embedded default; Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."

.venv/bin/celery -A studio --quiet worker --beat --schedule var/celerybeat-schedule \
  --pool threads --concurrency 4 --loglevel WARNING &
worker=$!
.venv/bin/python manage.py runserver 127.0.0.1:8000 --noreload &
web=$!
# Background jobs of a script ignore Ctrl-C, so stop them ourselves, however this script ends.
stop() {
  trap - EXIT INT TERM
  echo; echo "Stopping the web server and the worker…"
  kill -TERM "$web" "$worker" 2>/dev/null || true
  wait "$web" "$worker" 2>/dev/null || true
}
trap stop EXIT
trap 'exit 0' INT TERM

cat <<MSG

  The studio is running at http://127.0.0.1:8000
  Sign in as  director / storyboard   (demo account; change it before sharing the machine)
  Press Ctrl-C to stop the web server and the worker.

MSG
wait -n "$web" "$worker" || true  # either one stopping stops both (the EXIT trap)

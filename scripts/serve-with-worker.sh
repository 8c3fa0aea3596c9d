#!/usr/bin/env bash
# `make demo`: the web server (gunicorn) and the triage worker side by side.
# Ctrl-C stops both; so does either of them ending on its own.
# Usage: scripts/serve-with-worker.sh NETSAFE_COMMAND HOST PORT
set -u
netsafe=$1 host=$2 port=$3

# Job control: each child gets its own process group and keeps its default SIGINT
# (without it, a script's background commands ignore SIGINT); the trap below hands
# Ctrl-C on to both, so the worker stops a scan the way its own Ctrl-C does.
set -m
NETSAFE_TRIAGE_LAUNCH=worker "$netsafe" serve --host "$host" --port "$port" &
server=$!
worker=
stop() {
  kill -INT "$server" $worker 2>/dev/null
  wait "$server" $worker 2>/dev/null
  exit 0
}
trap stop INT TERM

# The server migrates the databases first: the worker starts once it answers.
python="$(dirname "$netsafe")/python"
# (In the background: bash runs the Ctrl-C trap during `wait`, not during a foreground command.)
"$python" - "$host" "$port" "$server" <<'PY' &
import os, sys, time, urllib.request
host, port, pid = sys.argv[1], sys.argv[2], int(sys.argv[3])
url = f"http://{'[' + host + ']' if ':' in host else host}:{port}/healthz"
for _ in range(600):
    try:
        urllib.request.urlopen(url, timeout=2).read()
        sys.exit(0)
    except OSError:
        try:
            os.kill(pid, 0)
        except OSError:
            sys.exit(1)
        time.sleep(0.5)
sys.exit(1)
PY
wait $! || { echo "serve-with-worker: the server did not start" >&2; stop; }
NETSAFE_TRIAGE_LAUNCH=worker "$netsafe" triage-worker &
worker=$!

wait -n "$server" "$worker"
status=$?
echo "serve-with-worker: one of the server and the triage worker stopped (exit $status); stopping the other" >&2
kill -INT "$server" "$worker" 2>/dev/null
wait "$server" "$worker" 2>/dev/null
exit "$status"

#!/usr/bin/env bash
# A real xAPI Learning Record Store for integration tests: Ralph (PyPI ralph-malph 5.x)
# on loopback, file-system ("fs") backend, HTTP basic auth.
#
#   bash .ci/lrs.sh install        # only install Ralph into the virtualenv
#   bash .ci/lrs.sh start [PORT]   # install if needed, start on 127.0.0.1:PORT (8100),
#                                  # wait until it answers, print the base URL on stdout
#   bash .ci/lrs.sh stop           # stop it and wait until it has exited
#
# Statements endpoint: <base URL>/xAPI/statements (header X-Experience-API-Version: 1.0.3).
# Environment (all optional):
#   RALPH_VENV            virtualenv, kept between runs      (/var/cache/rapport-ralph)
#   RAPPORT_LRS_DIR       data dir: statements, auth, pid, log (/tmp/rapport-lrs)
#   RAPPORT_LRS_USER      basic-auth user                    (rapport)
#   RAPPORT_LRS_PASSWORD  basic-auth password                (rapport-ci)
# Statements persist in $RAPPORT_LRS_DIR/statements/fs_lrs.jsonl across stop/start;
# delete that file (server stopped) for an empty store. Only the URL goes to stdout.
# The server is Ralph's own app (ralph.api:app) under uvicorn, as `ralph runserver -b fs`
# starts it, with the fs backend set to append (see start): stock 5.1.0 stores one POST.
set -euo pipefail

RALPH_VENV="${RALPH_VENV:-/var/cache/rapport-ralph}"
RALPH_VERSION="5.1.0"
LRS_DIR="${RAPPORT_LRS_DIR:-/tmp/rapport-lrs}"
LRS_USER="${RAPPORT_LRS_USER:-rapport}"
LRS_PASSWORD="${RAPPORT_LRS_PASSWORD:-rapport-ci}"
HOST=127.0.0.1
PID_FILE="$LRS_DIR/ralph.pid"
PORT_FILE="$LRS_DIR/ralph.port"
LOG_FILE="$LRS_DIR/ralph.log"
AUTH_FILE="$LRS_DIR/auth.json"
DATA_DIR="$LRS_DIR/statements"
PY="$RALPH_VENV/bin/python"

log() { echo "lrs.sh: $*" >&2; }

installed() {
  [ -x "$PY" ] && [ -x "$RALPH_VENV/bin/ralph" ] && "$PY" - "$RALPH_VERSION" <<'EOF' 2>/dev/null
import sys
from importlib.metadata import version
import requests, fastapi, uvicorn, bcrypt, click  # noqa: F401  (lrs + cli extras)
sys.exit(0 if version("ralph-malph") == sys.argv[1] else 1)
EOF
}

install() {
  if installed; then
    log "ralph-malph $RALPH_VERSION already in $RALPH_VENV"
    return 0
  fi
  log "installing ralph-malph $RALPH_VERSION into $RALPH_VENV"
  if [ ! -x "$PY" ] || ! "$PY" -m pip --version >/dev/null 2>&1; then
    rm -rf "$RALPH_VENV"
    mkdir -p "$(dirname "$RALPH_VENV")"
    if ! python3 -m venv "$RALPH_VENV" >&2; then
      # Debian's own python3 needs python3-venv for ensurepip.
      if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        rm -rf "$RALPH_VENV"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >&2 \
          || { apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >&2; }
        python3 -m venv "$RALPH_VENV" >&2
      else
        log "python3 -m venv failed (install python3-venv)"; exit 1
      fi
    fi
  fi
  # 'cli' brings the ralph command (click, bcrypt), 'lrs' the server (fastapi, uvicorn).
  # The fs backend needs no other extra ('backends' would pull ES, Mongo, S3... clients).
  "$PY" -m pip install -q --disable-pip-version-check \
    "ralph-malph[cli,lrs]==$RALPH_VERSION" requests >&2
  installed || { log "install check failed after pip install"; exit 1; }
}

# Environment read by both `ralph auth` and the server (pydantic settings, RALPH_ prefix).
ralph_env() {
  export RALPH_APP_DIR="$LRS_DIR/app"
  export RALPH_AUTH_FILE="$AUTH_FILE"
  export RALPH_RUNSERVER_BACKEND=fs
  export RALPH_BACKENDS__LRS__FS__DEFAULT_DIRECTORY_PATH="$DATA_DIR"
  export RALPH_BACKENDS__DATA__FS__DEFAULT_DIRECTORY_PATH="$DATA_DIR"
  export RALPH_SENTRY_DSN=
}

write_auth() {
  # `ralph auth -w` appends and refuses a second entry for the same user: start afresh.
  rm -f "$AUTH_FILE"
  "$RALPH_VENV/bin/ralph" auth -u "$LRS_USER" -p "$LRS_PASSWORD" -s all \
    -M "mailto:$LRS_USER@example.org" -N "$LRS_USER" -w >>"$LOG_FILE" 2>&1 \
    || { log "ralph auth failed; see $LOG_FILE"; tail -n 20 "$LOG_FILE" >&2; exit 1; }
  chmod 600 "$AUTH_FILE"
}

running_pid() {
  [ -f "$PID_FILE" ] || return 1
  local pid
  pid="$(cat "$PID_FILE")"
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && echo "$pid"
}

# Wait until GET /whoami answers 200 with our credentials (the server is up, the auth
# file is read) and /__heartbeat__ answers 200 (the fs backend is usable).
wait_ready() {
  local port="$1" pid="$2" limit="${3:-60}"
  "$PY" - "$HOST" "$port" "$LRS_USER" "$LRS_PASSWORD" "$pid" "$limit" <<'EOF'
import base64, os, sys, time, urllib.request, urllib.error
host, port, user, password, pid, limit = sys.argv[1:]
auth = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
deadline = time.monotonic() + float(limit)
last = "no answer"
while time.monotonic() < deadline:
    try:
        os.kill(int(pid), 0)
    except OSError:
        print(f"lrs.sh: ralph (pid {pid}) exited", file=sys.stderr)
        sys.exit(1)
    try:
        for path, headers in (("/whoami", {"Authorization": auth}), ("/__heartbeat__", {})):
            req = urllib.request.Request(f"http://{host}:{port}{path}", headers=headers)
            with urllib.request.urlopen(req, timeout=5) as resp:
                resp.read()
        sys.exit(0)
    except urllib.error.HTTPError as e:
        last = f"{path}: HTTP {e.code} {e.read()[:200]!r}"
        if e.code == 401:  # the auth file is written before start: a real mismatch
            break
    except OSError as e:
        last = f"{e}"
    time.sleep(0.5)
print(f"lrs.sh: not ready ({last})", file=sys.stderr)
sys.exit(1)
EOF
}

port_busy() {
  "$PY" - "$HOST" "$1" <<'EOF'
import socket, sys
s = socket.socket()
s.settimeout(1)
sys.exit(0 if s.connect_ex((sys.argv[1], int(sys.argv[2]))) == 0 else 1)
EOF
}

start() {
  local port="${1:-8100}" pid
  install
  mkdir -p "$LRS_DIR" "$DATA_DIR" "$LRS_DIR/app"
  ralph_env
  if pid="$(running_pid)"; then
    # Same port and these credentials work: keep it (the data persists either way).
    if [ "$(cat "$PORT_FILE" 2>/dev/null)" = "$port" ] && wait_ready "$port" "$pid" 5 2>/dev/null; then
      log "already running (pid $pid)"
      echo "http://$HOST:$port"
      return 0
    fi
    stop
  fi
  if port_busy "$port"; then
    log "port $port on $HOST is already taken by another process"; exit 1
  fi
  write_auth
  echo "== $(date -u +%FT%TZ) start on $HOST:$port ==" >>"$LOG_FILE"
  # What `ralph runserver -b fs` does, less its uvicorn reloader (one process to stop),
  # plus one fix: Ralph 5.1's fs LRS backend writes with operation_type CREATE, so once
  # fs_lrs.jsonl exists every later POST fails with 500 "Statements bulk indexation
  # failed". Appending makes it a usable store. setsid: its own process group for stop.
  # The working directory is the data dir because Ralph's settings also read ./.env.
  (cd "$LRS_DIR" && exec setsid "$PY" -c '
import sys
import uvicorn
from ralph.backends.data.base import BaseOperationType
from ralph.backends.lrs.fs import FSLRSBackend
from ralph.conf import settings
if FSLRSBackend.default_operation_type == BaseOperationType.CREATE:
    FSLRSBackend.default_operation_type = BaseOperationType.APPEND
uvicorn.run("ralph.api:app", host=sys.argv[1], port=int(sys.argv[2]),
            log_config=settings.LOGGING, log_level="info")
' "$HOST" "$port" </dev/null >>"$LOG_FILE" 2>&1) &
  pid=$!
  echo "$pid" >"$PID_FILE"
  echo "$port" >"$PORT_FILE"
  if ! wait_ready "$port" "$pid"; then
    log "ralph did not start; last lines of $LOG_FILE:"
    tail -n 30 "$LOG_FILE" >&2
    stop
    exit 1
  fi
  log "running (pid $pid), statements in $DATA_DIR, log $LOG_FILE"
  echo "http://$HOST:$port"
}

stop() {
  local pid i
  if ! pid="$(running_pid)"; then
    rm -f "$PID_FILE"
    log "not running"
    return 0
  fi
  # The pid leads its own process group (setsid): signal the whole group.
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 1 100); do
    kill -0 -- "-$pid" 2>/dev/null || kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 -- "-$pid" 2>/dev/null || kill -0 "$pid" 2>/dev/null; then
    log "still alive after 10 s: SIGKILL"
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
    sleep 0.5
  fi
  rm -f "$PID_FILE"
  log "stopped (pid $pid)"
}

case "${1:-}" in
  install) install ;;
  start) start "${2:-8100}" ;;
  stop) stop ;;
  *) echo "usage: $0 install | start [PORT] | stop" >&2; exit 2 ;;
esac

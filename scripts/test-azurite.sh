#!/usr/bin/env bash
# Starts (or stops) a throwaway Azurite blob emulator for the lake tests: a plain process on
# 127.0.0.1, a free port, data in DIR (see ../shared/INFRA.md section 4).
#   scripts/test-azurite.sh start DIR   -> writes DIR/azurite.env (endpoint, account, key)
#   scripts/test-azurite.sh stop DIR
# Azurite comes from node_modules (npm ci, run by scripts/install-deps.sh). If it cannot start
# this fails loudly (exit 1, its log printed): the Azure lake tests are never skipped.
set -euo pipefail
cmd=${1:-}; dir=${2:-}
[[ -n $cmd && -n $dir ]] || { echo "usage: $0 start|stop DIR" >&2; exit 2; }
mkdir -p "$dir"; dir=$(realpath "$dir")
root=$(cd "$(dirname "$0")/.." && pwd)
azurite=$root/node_modules/.bin/azurite-blob
# Azurite's single built-in account and its published, well-known development key.
account=devstoreaccount1
key='Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=='

free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
fail() { echo "test-azurite: $1" >&2; [[ -f $dir/azurite.log ]] && tail -n 30 "$dir/azurite.log" >&2; exit 1; }
answers() { curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$1/"; }

stop() {
  if [[ -f $dir/azurite.pid ]]; then
    local pid port; pid=$(cat "$dir/azurite.pid"); port=$(cat "$dir/port" 2>/dev/null || true)
    kill "$pid" 2>/dev/null || true
    # A killed process may linger as a zombie until PID 1 reaps it (INFRA.md section 7), so
    # wait for the port to close rather than for the pid to vanish.
    if [[ -n $port ]]; then
      for _ in $(seq 1 100); do answers "$port" || break; sleep 0.1; done
      answers "$port" && { kill -9 "$pid" 2>/dev/null || true; }
    fi
  fi
  rm -rf "$dir/data" "$dir/azurite.pid" "$dir/port" "$dir/azurite.env"
}

start() {
  [[ -x $azurite ]] || fail "$azurite is missing: run scripts/install-deps.sh (npm ci)"
  stop
  local port; port=$(free_port)
  mkdir -p "$dir/data"
  # setsid + all three streams redirected: ctest waits for every holder of its output pipe,
  # so the server must not inherit it. exec makes $! the node process itself.
  setsid bash -c 'cd "$1" && exec "$2" --blobHost 127.0.0.1 --blobPort "$3" --location "$1/data" \
      --silent --disableTelemetry --skipApiVersionCheck' _ "$dir" "$azurite" "$port" \
    </dev/null >"$dir/azurite.log" 2>&1 &
  echo $! >"$dir/azurite.pid"
  echo "$port" >"$dir/port"
  for _ in $(seq 1 200); do
    answers "$port" && break
    kill -0 "$(cat "$dir/azurite.pid")" 2>/dev/null || fail "Azurite exited during start-up"
    sleep 0.05
  done
  answers "$port" || fail "Azurite did not answer on port $port within 10 s"
  {
    echo "RISKLAB_TEST_AZURITE_ENDPOINT=http://127.0.0.1:$port/$account"
    echo "RISKLAB_TEST_AZURITE_ACCOUNT=$account"
    echo "RISKLAB_TEST_AZURITE_KEY=$key"
  } >"$dir/azurite.env"
  echo "test-azurite: up on port $port"
}

case $cmd in
  start) start ;;
  stop) stop; echo "test-azurite: stopped" ;;
  *) echo "usage: $0 start|stop DIR" >&2; exit 2 ;;
esac

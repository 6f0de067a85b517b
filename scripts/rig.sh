#!/usr/bin/env bash
# The replica rig (issue 10): MariaDB (or PostgreSQL) + Azurite + N `risklab serve` replicas on
# free 127.0.0.1 ports, plain processes in one directory (no systemd), then load and fault drills
# with reconciliation after each (rows = 201s, outcomes = lake objects, jobs exactly once,
# `risklab audit verify`).
#
#   scripts/rig.sh all     [options]  up, load, every drill, down (everything stops on exit)
#   scripts/rig.sh up      [options]  start and initialise the rig in --dir, leave it running
#   scripts/rig.sh load    [options]  wrk against replicas 1 and 2 for --duration
#   scripts/rig.sh drills  [options] [kill db lake disk skew]   (default: all five)
#   scripts/rig.sh down    [options]  stop everything started in --dir and remove it
# Options: --dir DIR (default a new temp dir for `all`, else $TMPDIR/risklab-rig)
#          --db mariadb|postgresql (default mariadb)   --replicas N (default 3)
#          --duration 60s   --connections 16 (per loaded replica; also each replica's --threads)
#          --db-pool N (each replica's --db-pool; default theirs: threads + 3)   --trees 50
#          --bin PATH (default build/release/risklab)
# Results: one JSON line per run and drill in DIR/results.jsonl, and a summary on stdout.
# Exits 1 on the first failed check, naming it.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
CMD=${1:-}
[[ -n $CMD ]] && shift
DIR=
DB_KIND=mariadb
REPLICAS=3
DURATION=60s
CONNECTIONS=16
TREES=50
DB_POOL=
BIN=$ROOT/build/release/risklab
DRILLS=()
while [[ $# -gt 0 ]]; do
  case $1 in
    --dir) DIR=$2; shift 2 ;;
    --db) DB_KIND=$2; shift 2 ;;
    --replicas) REPLICAS=$2; shift 2 ;;
    --duration) DURATION=$2; shift 2 ;;
    --connections) CONNECTIONS=$2; shift 2 ;;
    --trees) TREES=$2; shift 2 ;;
    --db-pool) DB_POOL=$2; shift 2 ;;
    --bin) BIN=$(realpath "$2"); shift 2 ;;
    kill|db|lake|disk|skew) DRILLS+=("$1"); shift ;;
    *) echo "rig: unknown argument '$1' (see the header of $0)" >&2; exit 2 ;;
  esac
done
[[ $DB_KIND == mariadb || $DB_KIND == postgresql ]] || { echo "rig: --db mariadb|postgresql" >&2; exit 2; }
[[ ${#DRILLS[@]} -gt 0 ]] || DRILLS=(kill db lake disk skew)

DATA=${DATA:-$ROOT/../shared/data/taiwan_bankruptcy.csv}
[[ -f $DATA ]] || DATA=/work/shared/data/taiwan_bankruptcy.csv
AZ_ACCOUNT=devstoreaccount1
AZ_KEY='Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=='
DB_USER=risklab
DB_PASS=rig-db-pw-1
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
# A request still unanswered after this long counts as hung (wrk --timeout): the drills require 0.
REQUEST_TIMEOUT=${REQUEST_TIMEOUT:-10s}
# Seconds without a heartbeat before another replica re-queues a dead replica's training job.
JOB_TIMEOUT=10

log() { echo "== $(date -u +%H:%M:%S) $*" >&2; }
die() { echo "rig: FAILED: $*" >&2; exit 1; }
free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
answers() { curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$1/"; }
now() { date +%s.%N; }
state() { grep -m1 "^$1=" "$DIR/rig.env" | cut -d= -f2-; }
set_state() { sed -i "/^$1=/d" "$DIR/rig.env"; echo "$1=$2" >>"$DIR/rig.env"; }

# ---------------------------------------------------------------------------------------------
# Database: started and restarted on the same port and data directory (the db drill needs that).

db_start() {
  local port; port=$(state db_port)
  if [[ $DB_KIND == mariadb ]]; then
    local d=$DIR/mariadb
    setsid /usr/sbin/mariadbd --no-defaults --user=root --datadir="$d/data" --socket="$d/my.sock" \
      --port="$port" --bind-address=127.0.0.1 --pid-file="$d/my.pid" --log-error="$d/err.log" \
      --skip-name-resolve --innodb-buffer-pool-size=128M --innodb-flush-log-at-trx-commit=2 \
      --max-connections=500 </dev/null >/dev/null 2>&1 &
    for _ in $(seq 1 300); do
      mariadb-admin --no-defaults --protocol=tcp -h127.0.0.1 -P"$port" -uroot ping >/dev/null 2>&1 && return 0
      sleep 0.1
    done
    tail -n 20 "$d/err.log" >&2; die "MariaDB did not start on port $port"
  else
    runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$DIR/postgres/data" -l "$DIR/postgres/server.log" -w -t 60 \
      -o "-p $port -c listen_addresses=127.0.0.1 -k $DIR/postgres -c fsync=off -c max_connections=500" \
      start >/dev/null 2>&1 || { tail -n 20 "$DIR/postgres/server.log" >&2; die "PostgreSQL did not start"; }
  fi
}

db_stop() {
  local port; port=$(state db_port)
  if [[ $DB_KIND == mariadb ]]; then
    mariadb-admin --no-defaults --protocol=tcp -h127.0.0.1 -P"$port" -uroot shutdown >/dev/null 2>&1 || true
    for _ in $(seq 1 200); do [[ -f $DIR/mariadb/my.pid ]] || break; sleep 0.1; done
  else
    runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$DIR/postgres/data" -m fast -w stop >/dev/null 2>&1 || true
  fi
}

db_create() {
  local port; port=$(free_port); set_state db_port "$port"
  if [[ $DB_KIND == mariadb ]]; then
    mkdir -p "$DIR/mariadb"
    mariadb-install-db --no-defaults --user=root --datadir="$DIR/mariadb/data" \
      --auth-root-authentication-method=normal --skip-test-db >"$DIR/mariadb/install.log" 2>&1 \
      || die "mariadb-install-db failed (see $DIR/mariadb/install.log)"
    db_start
    mariadb --no-defaults --protocol=tcp -h127.0.0.1 -P"$port" -uroot -e "
      CREATE USER '$DB_USER'@'%' IDENTIFIED BY '$DB_PASS';
      GRANT ALL ON *.* TO '$DB_USER'@'%';"
    set_state db_scheme mysql
  else
    [[ -n $PG_BIN ]] || die "PostgreSQL server binaries not found under /usr/lib/postgresql"
    mkdir -p "$DIR/postgres"; chown postgres:postgres "$DIR/postgres"
    local p=$DIR/postgres; while [[ $p != / ]]; do p=$(dirname "$p"); chmod o+x "$p" 2>/dev/null || true; done
    runuser -u postgres -- "$PG_BIN/initdb" -D "$DIR/postgres/data" -U postgres --auth=trust \
      --auth-host=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 >"$DIR/postgres/initdb.log" 2>&1 \
      || die "initdb failed"
    db_start
    runuser -u postgres -- "$PG_BIN/psql" -h "$DIR/postgres" -p "$port" -U postgres -v ON_ERROR_STOP=1 -q \
      -c "CREATE ROLE $DB_USER LOGIN CREATEDB PASSWORD '$DB_PASS'" >/dev/null
    set_state db_scheme postgresql
  fi
}

create_database() {  # NAME
  if [[ $DB_KIND == mariadb ]]; then
    mariadb --no-defaults --protocol=tcp -h127.0.0.1 -P"$(state db_port)" -uroot -e "CREATE DATABASE $1"
  else
    runuser -u postgres -- "$PG_BIN/psql" -h "$DIR/postgres" -p "$(state db_port)" -U postgres -q \
      -c "CREATE DATABASE $1 OWNER $DB_USER" >/dev/null
  fi
}

db_url() { echo "$(state db_scheme)://$DB_USER:$DB_PASS@127.0.0.1:$(state db_port)/${1:-risklab}"; }

# sql QUERY [DATABASE]: prints the single value the query returns.
sql() {
  if [[ $DB_KIND == mariadb ]]; then
    mariadb --no-defaults --protocol=tcp -h127.0.0.1 -P"$(state db_port)" -uroot -N -B "${2:-risklab}" -e "$1"
  else
    runuser -u postgres -- "$PG_BIN/psql" -h "$DIR/postgres" -p "$(state db_port)" -U postgres \
      -d "${2:-risklab}" -tA -c "$1"
  fi
}

# ---------------------------------------------------------------------------------------------
# Azurite: keeps its port and data across stop/start (the lake drill restarts it).

azurite_start() {
  local port; port=$(state azurite_port)
  setsid bash -c 'cd "$1" && exec "$2" --blobHost 127.0.0.1 --blobPort "$3" --location "$1/data" \
      --silent --disableTelemetry --skipApiVersionCheck' _ "$DIR/azurite" "$ROOT/node_modules/.bin/azurite-blob" "$port" \
    </dev/null >>"$DIR/azurite/azurite.log" 2>&1 &
  echo $! >"$DIR/azurite/pid"
  for _ in $(seq 1 300); do answers "$port" && return 0; sleep 0.05; done
  die "Azurite did not answer on port $port"
}

azurite_stop() {
  local port; port=$(state azurite_port)
  [[ -f $DIR/azurite/pid ]] || return 0
  kill "$(cat "$DIR/azurite/pid")" 2>/dev/null || true
  # A killed process may linger as a zombie (INFRA.md section 7): wait for the port instead.
  for _ in $(seq 1 100); do answers "$port" || break; sleep 0.1; done
  rm -f "$DIR/azurite/pid"
}

lake_url() { echo "azure://$AZ_ACCOUNT/${1:-rig}?endpoint=http://127.0.0.1:${2:-$(state azurite_port)}/$AZ_ACCOUNT"; }

lake_count() {  # CONTAINER PREFIX CONTAINS
  /usr/bin/python3 "$ROOT/scripts/rig/azure.py" count "http://127.0.0.1:$(state azurite_port)/$AZ_ACCOUNT" \
    "$1" "$AZ_KEY" "$2" "$3"
}

# ---------------------------------------------------------------------------------------------
# Replicas

# rl [ENV=VALUE...] -- ARGS: runs the CLI against the rig's database and lake.
rl() {
  local envs=()
  while [[ $1 != -- ]]; do envs+=("$1"); shift; done
  shift
  env RISKLAB_DB="$(db_url)" RISKLAB_LAKE="$(lake_url)" AZURE_STORAGE_KEY="$AZ_KEY" \
    RISKLAB_LOG_LEVEL=warn "${envs[@]}" "$BIN" "$@"
}

# replica_start NAME [ENV=VALUE...]: `risklab serve` on a free port; writes DIR/NAME.{port,pid,log}.
replica_start() {
  local name=$1; shift
  local port; port=$(free_port)
  setsid env RISKLAB_DB="$(db_url)" RISKLAB_LAKE="$(lake_url)" AZURE_STORAGE_KEY="$AZ_KEY" "$@" \
    "$BIN" serve --bind 127.0.0.1 --port "$port" --threads "${REPLICA_THREADS:-$CONNECTIONS}" --job-timeout "$JOB_TIMEOUT" \
    ${DB_POOL:+--db-pool "$DB_POOL"} \
    </dev/null >"$DIR/$name.out" 2>>"$DIR/$name.log" &
  echo $! >"$DIR/$name.pid"
  disown   # killed on purpose in the drills: no "Killed" job notices
  echo "$port" >"$DIR/$name.port"
  for _ in $(seq 1 300); do
    curl -sf -o /dev/null --max-time 1 "http://127.0.0.1:$port/healthz" && return 0
    kill -0 "$(cat "$DIR/$name.pid")" 2>/dev/null || { tail -n 20 "$DIR/$name.log" >&2; die "replica $name exited"; }
    sleep 0.1
  done
  die "replica $name did not come up on port $port"
}

replica_stop() {  # NAME
  [[ -f $DIR/$1.pid ]] || return 0
  local pid; pid=$(cat "$DIR/$1.pid")
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 300); do answers "$(cat "$DIR/$1.port")" || break; sleep 0.1; done
  rm -f "$DIR/$1.pid"
}

port_of() { cat "$DIR/$1.port"; }

# ---------------------------------------------------------------------------------------------

cmd_up() {
  [[ -x $BIN ]] || die "$BIN is missing: cmake --preset release && cmake --build build/release --target risklab"
  [[ -x $ROOT/node_modules/.bin/azurite-blob ]] || die "Azurite is missing: npm ci"
  [[ -f $DATA ]] || die "reference data $DATA is missing"
  mkdir -p "$DIR/azurite"; : >"$DIR/rig.env"
  set_state db_kind "$DB_KIND"
  set_state db_pool "$DB_POOL"
  set_state threads "$CONNECTIONS"
  log "starting $DB_KIND and Azurite in $DIR"
  db_create
  create_database risklab
  set_state azurite_port "$(free_port)"
  azurite_start
  log "initialising the schema and the lake, importing $(basename "$DATA")"
  rl RISKLAB_ADMIN_PASSWORD=rig-admin-pw-1 -- init >/dev/null
  rl -- import "$DATA" --label 'Bankrupt?' --dataset taiwan --as-of 2025-12-31 >/dev/null
  for spec in ana:analyst dev:model_developer,data_steward rita:risk_officer steward:data_steward; do
    rl RISKLAB_PASSWORD="${spec%%:*}-rig-pw-1" -- users add "${spec%%:*}" --roles "${spec#*:}" >/dev/null
    set_state "token_${spec%%:*}" "$(rl -- tokens create --user "${spec%%:*}" --name rig 2>/dev/null | head -n 1)"
  done
  log "training a $TREES-tree model on a snapshot and promoting it (four-eyes)"
  local snapshot model
  snapshot=$(rl -- snapshot create --dataset taiwan --note "rig" | grep -oE '[0-9a-f]{64}' | head -n 1)
  [[ -n $snapshot ]] || die "no snapshot id"
  set_state snapshot "$snapshot"
  model=$(rl USER=dev -- train --snapshot "$snapshot" --param trees="$TREES" --threads 2 2>/dev/null \
          | sed -n 's/.*candidate model \([0-9][0-9]*\).*/\1/p' | head -n 1)
  [[ -n $model ]] || die "training did not produce a model"
  rl USER=rita -- models approve "$model" --note "rig" >/dev/null
  rl USER=rita -- models promote "$model" >/dev/null
  set_state max_statement "$(sql 'SELECT MAX(id) FROM statements')"
  sql 'SELECT external_id FROM companies ORDER BY id LIMIT 200' >"$DIR/companies.txt"
  for i in $(seq 1 "$REPLICAS"); do replica_start "r$i"; done
  log "rig up: $REPLICAS replicas on ports $(for i in $(seq 1 "$REPLICAS"); do printf '%s ' "$(port_of "r$i")"; done)"
}

cmd_down() {
  [[ -d $DIR ]] || return 0
  log "stopping the rig in $DIR"
  for f in "$DIR"/*.pid; do
    [[ -e $f ]] || continue
    kill "$(cat "$f")" 2>/dev/null || true
  done
  sleep 0.5
  [[ -f $DIR/skew-proxy.pid ]] && kill "$(cat "$DIR/skew-proxy.pid")" 2>/dev/null || true
  azurite_stop
  [[ -f $DIR/rig.env ]] && db_stop
  mountpoint -q "$DIR/disk" 2>/dev/null && umount "$DIR/disk"
  rm -rf "$DIR"
}

# ---------------------------------------------------------------------------------------------
# Load and reconciliation

# wrk_run NAME PORT SECONDS CONNECTIONS MODE [PAUSE_MS]: wrk in the background, writing for SECONDS
# and then 3 s of GET /healthz only (see bench/load/mix.lua); its output goes to DIR/NAME.wrk.
wrk_run() {
  local name=$1 port=$2 seconds=${3%s} connections=$4 mode=$5 pause=${6:-0} token
  token=$(state token_ana)
  [[ $mode == outcomes ]] && token=$(state token_steward)
  wrk -t1 -c"$connections" -d"$((seconds + 3))s" --timeout "$REQUEST_TIMEOUT" -s "$ROOT/bench/load/mix.lua" \
    "http://127.0.0.1:$port" -- "$token" "$mode" "$(state max_statement)" "$DIR/companies.txt" "$seconds" "$pause" \
    >"$DIR/$name.wrk" 2>&1 &
  echo $! >"$DIR/$name.wrk.pid"
}

wrk_wait() { wait "$(cat "$DIR/$1.wrk.pid")" || true; rm -f "$DIR/$1.wrk.pid"; }
result() { grep -m1 '^rig-result: ' "$DIR/$1.wrk" | cut -d' ' -f2- || die "wrk $1 printed no result: $(cat "$DIR/$1.wrk")"; }
field() { /usr/bin/python3 -c 'import json,sys; print(json.loads(sys.argv[1]).get(sys.argv[2], 0))' "$1" "$2"; }
sum_field() {  # FIELD RESULT...
  local f=$1 total=0; shift
  for r in "$@"; do total=$((total + $(field "$r" "$f"))); done
  echo $total
}
# The statuses map of several results, merged: {"201": n, "503": m}.
statuses() { /usr/bin/python3 -c 'import json,sys,collections
c=collections.Counter()
for r in sys.argv[1:]: c.update(json.loads(r)["statuses"])
print(json.dumps(dict(c)))' "$@"; }

counts() {
  echo "$(sql 'SELECT COUNT(*) FROM assessments') $(sql 'SELECT COUNT(*) FROM decisions') $(sql 'SELECT COUNT(*) FROM outcomes')"
}

# Waits until no training job is queued or running, then checks that every job ran exactly once:
# succeeded with one model of its own, and no model without a job but the hand-registered ones.
check_jobs() {
  for _ in $(seq 1 600); do
    [[ $(sql "SELECT COUNT(*) FROM training_jobs WHERE status IN ('queued','running')") == 0 ]] && break
    sleep 0.5
  done
  local open failed models jobs
  open=$(sql "SELECT COUNT(*) FROM training_jobs WHERE status IN ('queued','running')")
  failed=$(sql "SELECT COUNT(*) FROM training_jobs WHERE status <> 'succeeded'")
  jobs=$(sql "SELECT COUNT(*) FROM training_jobs")
  models=$(sql "SELECT COUNT(DISTINCT model_id) FROM training_jobs WHERE model_id IS NOT NULL")
  [[ $open == 0 ]] || die "$open training jobs still open"
  [[ $failed == 0 ]] || die "$failed training jobs did not succeed"
  [[ $models == "$jobs" ]] || die "$jobs training jobs but $models distinct models"
  [[ $(sql "SELECT COUNT(*) FROM models") == "$jobs" ]] || die "models without a job (a duplicate run?)"
  echo "$jobs"
}

check_audit() {
  rl -- audit verify >/dev/null 2>"$DIR/audit.err" || die "audit verify: $(cat "$DIR/audit.err")"
}

# Waits until the outbox is empty, then checks one ground-truth object per API outcome.
check_lake() {
  local pending
  for _ in $(seq 1 240); do
    pending=$(sql 'SELECT COUNT(*) FROM outbox WHERE shipped_at IS NULL')
    [[ $pending == 0 ]] && break
    sleep 0.5
  done
  [[ $pending == 0 ]] || die "outbox still holds $pending rows"
  local rows objects
  rows=$(sql "SELECT COUNT(*) FROM outcomes WHERE note LIKE 'rig %'")
  objects=$(lake_count rig ground_truth/ /outcome-)
  [[ $rows == "$objects" ]] || die "$rows API outcomes but $objects ground-truth objects in the lake"
  echo "$objects"
}

record() { echo "$1" >>"$DIR/results.jsonl"; echo "$1"; }

cmd_load() {
  log "load: wrk $DURATION, $CONNECTIONS connections on each of r1 and r2 (score + decision), $DB_KIND"
  read -r a0 d0 _ <<<"$(counts)"
  wrk_run load1 "$(port_of r1)" "$DURATION" "$CONNECTIONS" mix
  wrk_run load2 "$(port_of r2)" "$DURATION" "$CONNECTIONS" mix
  wrk_wait load1; wrk_wait load2
  local r1 r2; r1=$(result load1); r2=$(result load2)
  read -r a1 d1 _ <<<"$(counts)"
  local scores decisions non2xx errors
  scores=$(sum_field score_201 "$r1" "$r2"); decisions=$(sum_field decision_201 "$r1" "$r2")
  non2xx=$(sum_field non_2xx "$r1" "$r2")
  errors=$(( $(sum_field connect_errors "$r1" "$r2") + $(sum_field read_errors "$r1" "$r2") + \
             $(sum_field write_errors "$r1" "$r2") + $(sum_field timeouts "$r1" "$r2") ))
  local rps p99
  # Writes answered per second over the writing phase (the /healthz tail left out).
  rps=$(/usr/bin/python3 -c "print(round(($scores + $decisions) / ${DURATION%s}, 1))")
  p99=$(/usr/bin/python3 -c 'import json,sys; print(max(json.loads(r)["p99_ms"] for r in sys.argv[1:]))' "$r1" "$r2")
  record "{\"run\": \"load\", \"db\": \"$DB_KIND\", \"duration\": \"$DURATION\", \"connections_per_replica\": $CONNECTIONS, \"rps\": $rps, \"p99_ms_worst_replica\": $p99, \"non_2xx\": $non2xx, \"socket_errors\": $errors, \"score_201\": $scores, \"assessment_rows\": $((a1 - a0)), \"decision_201\": $decisions, \"decision_rows\": $((d1 - d0)), \"r1\": $r1, \"r2\": $r2}"
  [[ $non2xx == 0 && $errors == 0 ]] || die "load: $non2xx non-2xx and $errors socket errors"
  [[ $((a1 - a0)) == "$scores" ]] || die "load: $scores scorings answered 201 but $((a1 - a0)) assessments stored"
  [[ $((d1 - d0)) == "$decisions" ]] || die "load: $decisions decisions answered 201 but $((d1 - d0)) stored"
  check_audit
}

# ---------------------------------------------------------------------------------------------
# Drills

# kill: a training job runs on one replica; that replica is killed (-9) under load on all of them.
drill_kill() {
  log "drill kill: kill -9 the replica running a training job, under load on all replicas"
  local jobs0; jobs0=$(check_jobs)
  # A new seed each run: the same snapshot and parameters would give the same model, which the
  # registry stores once, and the one-model-per-job check below would not hold.
  read -r a0 d0 _ <<<"$(counts)"
  curl -sf -o /dev/null -H "Authorization: Bearer $(state token_dev)" -H 'Content-Type: application/json' \
    -d "{\"snapshot_id\": \"$(state snapshot)\", \"parameters\": {\"trees\": 1500, \"seed\": $(date +%s)}}" \
    "http://127.0.0.1:$(port_of r1)/api/v1/training-jobs" || die "could not queue a training job"
  local worker=
  for _ in $(seq 1 100); do
    worker=$(sql "SELECT worker FROM training_jobs WHERE status = 'running' ORDER BY id DESC LIMIT 1")
    [[ -n $worker ]] && break
    sleep 0.1
  done
  [[ -n $worker ]] || die "the training job was not claimed"
  local victim=
  for i in $(seq 1 "$REPLICAS"); do [[ ${worker##*:} == "$(cat "$DIR/r$i.pid")" ]] && victim=r$i; done
  [[ -n $victim ]] || die "job worker $worker is none of the replicas"
  for i in $(seq 1 "$REPLICAS"); do wrk_run "kill-r$i" "$(port_of "r$i")" 20s 8 mix; done
  sleep 3
  [[ $(sql "SELECT status FROM training_jobs ORDER BY id DESC LIMIT 1") == running ]] \
    || die "kill: the training job ended before the kill (use more trees)"
  kill -9 "$(cat "$DIR/$victim.pid")"
  # Its clients see the broken connections (the requests in flight fail as read errors), then
  # stop: with no load balancer in the rig nothing serves that port any more, and reconnecting
  # is refused until wrk stops (counted apart: those requests never reached a server).
  sleep 0.3
  kill -INT "$(cat "$DIR/kill-$victim.wrk.pid")"
  local results=() survivors_bad=0 in_flight=0 refused=0
  for i in $(seq 1 "$REPLICAS"); do
    wrk_wait "kill-r$i"; results+=("$(result "kill-r$i")")
    local r=${results[-1]}
    local errs=$(( $(field "$r" non_2xx) + $(field "$r" connect_errors) + $(field "$r" read_errors) + $(field "$r" write_errors) + $(field "$r" timeouts) ))
    if [[ r$i == "$victim" ]]; then
      # Sent and never answered (the requests in flight), and new connections refused until wrk
      # stopped (never reached a server).
      in_flight=$(( $(field "$r" read_errors) + $(field "$r" timeouts) + $(field "$r" non_2xx) ))
      refused=$(( $(field "$r" connect_errors) + $(field "$r" write_errors) ))
    else
      survivors_bad=$((survivors_bad + errs))
    fi
  done
  rm -f "$DIR/$victim.pid"
  local jobs; jobs=$(check_jobs)
  local attempts; attempts=$(sql "SELECT attempts FROM training_jobs ORDER BY id DESC LIMIT 1")
  read -r a1 d1 _ <<<"$(counts)"
  local scores decisions
  scores=$(sum_field score_201 "${results[@]}"); decisions=$(sum_field decision_201 "${results[@]}")
  local extra_a=$((a1 - a0 - scores)) extra_d=$((d1 - d0 - decisions))
  check_audit
  replica_start "$victim"
  record "{\"drill\": \"kill\", \"victim\": \"$victim\", \"survivor_errors\": $survivors_bad, \"victim_in_flight_failed\": $in_flight, \"victim_refused_after_kill\": $refused, \"score_201\": $scores, \"assessment_rows\": $((a1 - a0)), \"decision_201\": $decisions, \"decision_rows\": $((d1 - d0)), \"jobs\": $((jobs - jobs0)), \"job_attempts\": $attempts, \"statuses\": $(statuses "${results[@]}")}"
  [[ $survivors_bad == 0 ]] || die "kill: the surviving replicas failed $survivors_bad requests"
  # Lost: a 201 without its row. In flight on the victim: rows committed whose answer never
  # left, at most one per failed request.
  [[ $extra_a -ge 0 && $extra_d -ge 0 ]] || die "kill: rows lost ($extra_a assessments, $extra_d decisions)"
  [[ $((extra_a + extra_d)) -le $((in_flight + refused)) ]] || die "kill: more unanswered rows than failed requests"
  [[ $((jobs - jobs0)) == 1 && $attempts == 2 ]] || die "kill: the killed replica's job did not run exactly once more"
}

# db: the database stops for 8 s under load on two replicas, then comes back on the same port.
drill_db() {
  log "drill db: stop $DB_KIND for 8 s under load; requests must fail fast (503) and recover"
  read -r a0 d0 _ <<<"$(counts)"
  wrk_run db1 "$(port_of r1)" 30s 8 mix
  wrk_run db2 "$(port_of r2)" 30s 8 mix
  sleep 6
  db_stop
  local stopped_at; stopped_at=$(now)
  # While it is down: a fresh request is answered 503 quickly.
  local down_status down_time
  read -r down_status down_time <<<"$(curl -s -o /dev/null -w '%{http_code} %{time_total}' --max-time 10 \
    -H "Authorization: Bearer $(state token_ana)" -H 'Content-Type: application/json' \
    -d '{"statement_id": 1}' "http://127.0.0.1:$(port_of r3)/api/v1/score")"
  sleep $(/usr/bin/python3 -c "print(max(0, 8 - ($(now) - $stopped_at)))")
  db_start
  local started_at; started_at=$(now)
  local recovered= probe_ok=0
  while /usr/bin/python3 -c "import sys; sys.exit(0 if $(now) - $started_at < 30 else 1)"; do
    if [[ $(curl -s -o /dev/null -w '%{http_code}' --max-time 10 -H "Authorization: Bearer $(state token_ana)" \
          -H 'Content-Type: application/json' -d '{"statement_id": 2}' \
          "http://127.0.0.1:$(port_of r3)/api/v1/score") == 201 ]]; then
      recovered=$(/usr/bin/python3 -c "print(round($(now) - $started_at, 2))"); probe_ok=1; break
    fi
    sleep 0.1
  done
  wrk_wait db1; wrk_wait db2
  local r1 r2; r1=$(result db1); r2=$(result db2)
  read -r a1 d1 _ <<<"$(counts)"
  local scores decisions st
  scores=$(( $(sum_field score_201 "$r1" "$r2") + probe_ok ))
  decisions=$(sum_field decision_201 "$r1" "$r2")
  st=$(statuses "$r1" "$r2")
  local hung=$(( $(sum_field timeouts "$r1" "$r2") ))
  local sock=$(( $(sum_field connect_errors "$r1" "$r2") + $(sum_field read_errors "$r1" "$r2") + $(sum_field write_errors "$r1" "$r2") ))
  local others; others=$(/usr/bin/python3 -c 'import json,sys; d=json.loads(sys.argv[1]); print(sum(v for k,v in d.items() if k not in ("201","503")))' "$st")
  local max_ms; max_ms=$(/usr/bin/python3 -c 'import json,sys; print(max(json.loads(r)["max_ms"] for r in sys.argv[1:]))' "$r1" "$r2")
  check_audit
  record "{\"drill\": \"db\", \"outage_s\": 8, \"status_while_down\": $down_status, \"seconds_while_down\": $down_time, \"recovered_after_s\": \"${recovered:-never}\", \"statuses\": $st, \"timeouts\": $hung, \"socket_errors\": $sock, \"max_ms\": $max_ms, \"score_201\": $scores, \"assessment_rows\": $((a1 - a0)), \"decision_201\": $decisions, \"decision_rows\": $((d1 - d0))}"
  [[ $down_status == 503 ]] || die "db: a request while the database was down got $down_status, not 503"
  [[ -n $recovered ]] || die "db: the replicas did not recover without a restart"
  [[ $hung == 0 && $sock == 0 ]] || die "db: $hung requests hung beyond $REQUEST_TIMEOUT, $sock socket errors"
  [[ $others == 0 ]] || die "db: $others answers were neither 201 nor 503: $st"
  [[ $((a1 - a0)) == "$scores" ]] || die "db: $scores scorings answered 201 but $((a1 - a0)) assessments stored"
  [[ $((d1 - d0)) == "$decisions" ]] || die "db: $decisions decisions answered 201 but $((d1 - d0)) stored"
}

# lake: Azurite stops for 10 s while outcomes (and scorings) arrive; the outbox drains after.
drill_lake() {
  log "drill lake: stop Azurite for 10 s while outcomes arrive on every replica"
  read -r _ _ o0 <<<"$(counts)"
  for i in $(seq 1 "$REPLICAS"); do wrk_run "lake-r$i" "$(port_of "r$i")" 20s 2 outcomes 50; done
  wrk_run lake-mix "$(port_of r1)" 20s 4 mix
  sleep 5
  azurite_stop
  local pending_down=0
  sleep 10
  pending_down=$(sql 'SELECT COUNT(*) FROM outbox WHERE shipped_at IS NULL')
  azurite_start
  local back_at; back_at=$(now)
  local results=()
  for i in $(seq 1 "$REPLICAS"); do wrk_wait "lake-r$i"; results+=("$(result "lake-r$i")"); done
  wrk_wait lake-mix; results+=("$(result lake-mix)")
  local accepted bad
  accepted=$(sum_field outcome_201 "${results[@]}")
  bad=$(( $(sum_field non_2xx "${results[@]}") + $(sum_field connect_errors "${results[@]}") + $(sum_field read_errors "${results[@]}") + $(sum_field timeouts "${results[@]}") ))
  local objects; objects=$(check_lake)
  local drained; drained=$(/usr/bin/python3 -c "print(round($(now) - $back_at, 1))")
  read -r _ _ o1 <<<"$(counts)"
  check_audit
  record "{\"drill\": \"lake\", \"outage_s\": 10, \"outcome_201\": $accepted, \"outcome_rows\": $((o1 - o0)), \"pending_while_down\": $pending_down, \"lake_objects_total\": $objects, \"drained_within_s\": $drained, \"failed_requests\": $bad, \"statuses\": $(statuses "${results[@]}")}"
  [[ $bad == 0 ]] || die "lake: $bad requests failed while the lake was down"
  [[ $((o1 - o0)) == "$accepted" ]] || die "lake: $accepted outcomes answered 201 but $((o1 - o0)) stored"
  [[ $pending_down -gt 0 ]] || die "lake: nothing was pending while the lake was down (drill did not bite)"
}

# A side environment for the disk and skew drills: its own database, lake and one replica, so
# that the main replicas (which drain the shared outbox too) cannot ship its events.
side_env() {  # NAME LAKE_URL [ENV=VALUE...]
  local name=$1 lake=$2; shift 2
  create_database "$name"
  local env=(RISKLAB_DB="$(db_url "$name")" RISKLAB_LAKE="$lake" AZURE_STORAGE_KEY="$AZ_KEY" RISKLAB_LOG_LEVEL=warn "$@")
  local cli_log=$DIR/$name.cli.log
  env "${env[@]}" RISKLAB_ADMIN_PASSWORD=rig-admin-pw-1 "$BIN" init >/dev/null 2>>"$cli_log"
  sed -n '1,41p' "$DIR/companies.txt" | awk 'NR==1{print "id,assets"} {print $1",1"}' >"$DIR/$name-companies.csv"
  env "${env[@]}" "$BIN" import "$DIR/$name-companies.csv" --id id --dataset "$name" >/dev/null 2>>"$cli_log"
  env "${env[@]}" RISKLAB_PASSWORD=steward-rig-pw-1 "$BIN" users add steward --roles data_steward >/dev/null 2>>"$cli_log"
  env "${env[@]}" "$BIN" tokens create --user steward --name "$name" 2>>"$cli_log" | head -n 1 >"$DIR/$name.token"
  local port; port=$(free_port)
  setsid env "${env[@]}" RISKLAB_LOG_LEVEL=info "$BIN" serve --bind 127.0.0.1 --port "$port" --threads 4 --no-worker \
    </dev/null >"$DIR/$name.out" 2>"$DIR/$name.log" &
  echo $! >"$DIR/$name.pid"; disown; echo "$port" >"$DIR/$name.port"
  for _ in $(seq 1 300); do curl -sf -o /dev/null --max-time 1 "http://127.0.0.1:$port/healthz" && return 0; sleep 0.1; done
  die "side replica $name did not come up"
}

post_outcomes() {  # NAME COUNT FROM: posts COUNT outcomes one by one; prints how many got 201
  local name=$1 n=$2 from=$3 ok=0 company
  for i in $(seq "$from" $((from + n - 1))); do
    company=$(sed -n "$(( (i % 40) + 1 ))p" "$DIR/companies.txt")
    [[ $(curl -s -o /dev/null -w '%{http_code}' --max-time 10 -H "Authorization: Bearer $(cat "$DIR/$name.token")" \
      -H 'Content-Type: application/json' \
      -d "{\"company\": \"$company\", \"defaulted\": false, \"note\": \"rig $name $i\"}" \
      "http://127.0.0.1:$(port_of "$name")/api/v1/outcomes") == 201 ]] && ok=$((ok + 1))
  done
  echo $ok
}

pending_of() { sql 'SELECT COUNT(*) FROM outbox WHERE shipped_at IS NULL' "$1"; }

wait_drained() {  # NAME: waits up to 60 s for the outbox of database NAME to empty
  for _ in $(seq 1 120); do [[ $(pending_of "$1") == 0 ]] && return 0; sleep 0.5; done
  return 1
}

# disk: the file lake sits on a 4 MiB tmpfs that is filled up; outcomes keep being accepted,
# their lake copies wait in the outbox, and drain once space is freed.
drill_disk() {
  log "drill disk: file lake on a full tmpfs"
  mkdir -p "$DIR/disk"
  mount -t tmpfs -o size=4m tmpfs "$DIR/disk" || die "disk: cannot mount a tmpfs (needs root)"
  mkdir -p "$DIR/disk/lake"
  local name; name=disk$(date +%s)   # a fresh database per run: drills can be repeated
  side_env "$name" "file://$DIR/disk/lake"
  dd if=/dev/zero of="$DIR/disk/filler" bs=64k count=1000 >/dev/null 2>&1 || true
  [[ $(df --output=avail "$DIR/disk" | tail -n 1) -lt 64 ]] || die "disk: the tmpfs is not full"
  local accepted; accepted=$(post_outcomes "$name" 200 1)
  sleep 3
  local pending_full; pending_full=$(pending_of "$name")
  local enospc; enospc=$(grep -c 'No space left on device' "$DIR/$name.log" || true)
  rm -f "$DIR/disk/filler"
  local freed_at; freed_at=$(now)
  wait_drained "$name" || die "disk: the outbox did not drain after space was freed"
  local drained; drained=$(/usr/bin/python3 -c "print(round($(now) - $freed_at, 1))")
  local rows files
  rows=$(sql "SELECT COUNT(*) FROM outcomes WHERE note LIKE 'rig %'" "$name")
  files=$(find "$DIR/disk/lake/ground_truth" -name 'outcome-*' ! -name '*.sha256' | wc -l)
  RISKLAB_DB="$(db_url "$name")" "$BIN" audit verify >/dev/null 2>&1 || die "disk: audit verify failed"
  replica_stop "$name"
  umount "$DIR/disk"
  record "{\"drill\": \"disk\", \"method\": \"tmpfs 4 MiB, filled with dd\", \"outcome_201\": $accepted, \"outcome_rows\": $rows, \"pending_while_full\": $pending_full, \"enospc_log_lines\": $enospc, \"lake_files\": $files, \"drained_within_s\": $drained}"
  [[ $accepted == 200 && $rows == 200 ]] || die "disk: $accepted of 200 accepted, $rows stored"
  [[ $pending_full -gt 0 ]] || die "disk: nothing was pending while the disk was full (drill did not bite)"
  [[ $files == 200 ]] || die "disk: $files ground-truth files for 200 outcomes"
}

# skew: a replica whose clock is an hour behind writes to Azurite through a proxy that refuses
# skewed requests as Azure does (Azurite itself does not check x-ms-date); it must re-sync.
drill_skew() {
  log "drill skew: replica clock 1 h behind, behind an Azure-like date check"
  local proxy; proxy=$(free_port)
  [[ -f $DIR/skew-proxy.pid ]] && { kill "$(cat "$DIR/skew-proxy.pid")" 2>/dev/null || true; }  # a failed run's
  /usr/bin/python3 "$ROOT/scripts/rig/azure.py" skew-proxy "$proxy" "$(state azurite_port)" \
    </dev/null >"$DIR/skew-proxy.log" 2>&1 &
  echo $! >"$DIR/skew-proxy.pid"
  for _ in $(seq 1 100); do answers "$proxy" && break; sleep 0.05; done
  # Azurite alone accepts a request dated an hour ago (the limitation the proxy covers).
  local azurite_old; azurite_old=$(python3 - "$(state azurite_port)" <<'PY'
import base64, email.utils, hashlib, hmac, http.client, sys, time
key = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
date = email.utils.formatdate(time.time() - 3600, usegmt=True)
q = {"comp": "list", "restype": "container"}
sts = "GET\n" + "\n" * 11 + f"x-ms-date:{date}\nx-ms-version:2021-08-06\n/devstoreaccount1/devstoreaccount1/rig\ncomp:list\nrestype:container"
sig = base64.b64encode(hmac.new(base64.b64decode(key), sts.encode(), hashlib.sha256).digest()).decode()
c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]))
c.request("GET", "/devstoreaccount1/rig?restype=container&comp=list",
          headers={"x-ms-date": date, "x-ms-version": "2021-08-06", "Authorization": "SharedKey devstoreaccount1:" + sig})
print(c.getresponse().status)
PY
)
  local name; name=skew$(date +%s)   # a fresh database and container per run
  side_env "$name" "$(lake_url "$name" "$proxy")" RISKLAB_LAKE_CLOCK_SKEW_SECONDS=-3600
  local accepted; accepted=$(post_outcomes "$name" 50 1)
  wait_drained "$name" || die "skew: the outbox did not drain through the Azure-like proxy"
  local objects resynced rows
  objects=$(lake_count "$name" ground_truth/ /outcome-)
  rows=$(sql "SELECT COUNT(*) FROM outcomes WHERE note LIKE 'rig %'" "$name")
  resynced=$(grep -c "signing with the server's time" "$DIR/$name.log" || true)
  RISKLAB_DB="$(db_url "$name")" "$BIN" audit verify >/dev/null 2>&1 || die "skew: audit verify failed"
  replica_stop "$name"
  kill "$(cat "$DIR/skew-proxy.pid")" 2>/dev/null || true; rm -f "$DIR/skew-proxy.pid"
  record "{\"drill\": \"skew\", \"skew_s\": -3600, \"azurite_status_for_1h_old_date\": $azurite_old, \"outcome_201\": $accepted, \"outcome_rows\": $rows, \"lake_objects\": $objects, \"resync_log_lines\": $resynced}"
  [[ $accepted == 50 && $rows == 50 && $objects == 50 ]] || die "skew: $accepted accepted, $rows stored, $objects in the lake"
  [[ $resynced -ge 1 ]] || die "skew: the client never re-synced its clock"
}

cmd_drills() {
  for d in "${DRILLS[@]}"; do "drill_$d"; done
  log "drills passed: ${DRILLS[*]}"
}

case $CMD in
  up) DIR=${DIR:-${TMPDIR:-/tmp}/risklab-rig}; [[ -e $DIR ]] && die "$DIR exists: scripts/rig.sh down first"
      mkdir -p "$DIR"; DIR=$(realpath "$DIR"); cmd_up; echo "$DIR" ;;
  down) DIR=${DIR:-${TMPDIR:-/tmp}/risklab-rig}; [[ -d $DIR ]] && DB_KIND=$(state db_kind); cmd_down ;;
  load|drills)
    DIR=$(realpath "${DIR:-${TMPDIR:-/tmp}/risklab-rig}"); [[ -f $DIR/rig.env ]] || die "no rig in $DIR: scripts/rig.sh up first"
    DB_KIND=$(state db_kind); DB_POOL=$(state db_pool); REPLICA_THREADS=$(state threads)
    REPLICAS=$(ls "$DIR"/r*.port | wc -l); "cmd_$CMD" ;;
  all)
    DIR=${DIR:-$(mktemp -d)}; mkdir -p "$DIR"; DIR=$(realpath "$DIR")
    trap cmd_down EXIT
    started=$(now)
    cmd_up; cmd_load; cmd_drills
    log "all passed in $(/usr/bin/python3 -c "print(round($(now) - $started))") s"
    cp "$DIR/results.jsonl" "${RESULTS_OUT:-/dev/null}" 2>/dev/null || true
    cat "$DIR/results.jsonl" ;;
  *) sed -n '2,20p' "$0" >&2; exit 2 ;;
esac

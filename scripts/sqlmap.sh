#!/usr/bin/env bash
# sqlmap (Debian's) against every parameter of every API route: a throwaway `risklab serve` on a
# fresh database with the reference data, a champion model, a snapshot and a queued training job;
# a bearer token of a user holding every role (so no role check stands between sqlmap and the
# SQL); one sqlmap run per route and kind of parameter, the targets generated from
# web/openapi.json. Fails if sqlmap reports any injectable parameter. See docs/SECURITY.md.
#
#   scripts/sqlmap.sh [--db sqlite|mariadb|postgresql] [--level N] [--risk N] [--quick]
#                     [--binary PATH] [--out DIR] [--keep]
#
#   --quick   level 1, risk 1, boolean/error/union techniques only (the ctest `security_sqlmap`)
#   --out     where to keep sqlmap's logs and the summary (default: a temp dir, removed unless
#             sqlmap found something or --keep)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

db=sqlite level=3 risk=2 quick=0 keep=0 out=""
binary=${RISKLAB_BINARY:-}
while (($#)); do
  case $1 in
    --db) db=$2; shift ;;
    --level) level=$2; shift ;;
    --risk) risk=$2; shift ;;
    --quick) quick=1; level=1; risk=1 ;;
    --binary) binary=$2; shift ;;
    --out) out=$2; shift ;;
    --keep) keep=1 ;;
    *) echo "sqlmap.sh: unknown option '$1'" >&2; exit 2 ;;
  esac
  shift
done
command -v sqlmap >/dev/null || { echo "sqlmap.sh: sqlmap is not installed (scripts/install-deps.sh)" >&2; exit 2; }
if [[ -z $binary ]]; then
  for candidate in build/release/risklab build/dev/risklab; do
    [[ -x $candidate ]] && { binary=$root/$candidate; break; }
  done
fi
[[ -x ${binary:-} ]] || { echo "sqlmap.sh: no risklab binary (build it, or pass --binary)" >&2; exit 2; }
data=$root/../shared/data/taiwan_bankruptcy.csv
[[ -f $data ]] || { echo "sqlmap.sh: $data is missing" >&2; exit 2; }

work=$(mktemp -d /tmp/risklab-sqlmap-XXXXXX)
[[ -n $out ]] || { out=$work/out; }
mkdir -p "$out"; out=$(realpath "$out")
server_pid=""
cleanup() {
  local rc=$?
  if [[ -n $server_pid ]]; then kill "$server_pid" 2>/dev/null; wait "$server_pid" 2>/dev/null || true; fi
  if [[ $db != sqlite ]]; then "$root/scripts/test-servers.sh" stop "$work/servers" >/dev/null 2>&1 || true; fi
  if ((rc == 0 && keep == 0)) && [[ $out == "$work/out" ]]; then rm -rf "$work"; else
    echo "sqlmap.sh: logs kept in $out"; fi
  exit $rc
}
trap cleanup EXIT

# The database: SQLite in the work dir, or a database on a throwaway MariaDB/PostgreSQL server.
case $db in
  sqlite) db_url="sqlite://$work/risklab.db" ;;
  mariadb|postgresql)
    "$root/scripts/test-servers.sh" start "$work/servers" >/dev/null
    # shellcheck disable=SC1091
    source "$work/servers/servers.env"
    if [[ $db == mariadb ]]; then
      base=$RISKLAB_TEST_MYSQL; hostport=${base##*@}
      mariadb --no-defaults --protocol=tcp -h127.0.0.1 -P"${hostport##*:}" -urisklab \
        -prisklab-test-pw -e "CREATE DATABASE sqlmap_probe"
      db_url="$base/sqlmap_probe"
    else
      base=$RISKLAB_TEST_POSTGRESQL; hostport=${base##*@}
      PGPASSWORD=risklab-test-pw psql "host=127.0.0.1 port=${hostport##*:} user=risklab dbname=postgres" \
        -q -c "CREATE DATABASE sqlmap_probe" >/dev/null
      db_url="$base/sqlmap_probe"
    fi ;;
  *) echo "sqlmap.sh: --db is sqlite, mariadb or postgresql" >&2; exit 2 ;;
esac
export RISKLAB_DB=$db_url RISKLAB_LAKE="file://$work/lake" RISKLAB_LOG_LEVEL=warn
rl() { "$binary" "$@"; }

# Demo-like data: 600 reference rows, a snapshot, a 20-tree champion approved by a second person.
echo "sqlmap.sh: seeding $db ($(basename "$binary"))"
rl init >/dev/null
head -n 601 "$data" >"$work/reference.csv"
rl import "$work/reference.csv" --dataset taiwan --label 'Bankrupt?' --as-of 2009-12-31 >/dev/null
snapshot=$(rl snapshot create --note "sqlmap" | grep -oE '[0-9a-f]{64}' | head -n 1)
rl train --snapshot "$snapshot" --param trees=20 --threads 2 >/dev/null
USER=second-pair-of-eyes rl models approve 1 --note "sqlmap fixture" >/dev/null
rl models promote 1 >/dev/null
password="sqlmap-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
all_roles=viewer,analyst,data_steward,model_developer,risk_officer,admin
RISKLAB_PASSWORD=$password rl users add prober --roles "$all_roles" >/dev/null
# Targets of the routes that change someone else: a user to disable, a token to revoke, and a
# user to log in as (failed log-ins rate-limit a user name; never the prober's).
RISKLAB_PASSWORD=$password rl users add victim_user --roles viewer >/dev/null
RISKLAB_PASSWORD=$password rl users add login_probe --roles viewer >/dev/null
rl tokens create --user victim_user --name "to revoke" >/dev/null

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
# No worker: sqlmap queues hundreds of training jobs, none of which should run.
# Its access log (info) counts the requests that reached a route.
RISKLAB_LOG_LEVEL=info "$binary" serve --port "$port" --no-worker >"$out/serve.log" 2>&1 &
server_pid=$!
base_url=http://127.0.0.1:$port
for _ in $(seq 1 300); do curl -fs "$base_url/healthz" >/dev/null && break; sleep 0.2; done
curl -fs "$base_url/healthz" >/dev/null || { cat "$out/serve.log" >&2; exit 1; }

# Log in (cookie + CSRF header), then get a bearer token through the API.
session=$(curl -fs -c "$work/cookies" -H 'Content-Type: application/json' \
  -d "{\"username\":\"prober\",\"password\":\"$password\"}" "$base_url/api/v1/session")
csrf=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["csrf_token"])' "$session")
token=$(curl -fs -b "$work/cookies" -H "X-CSRF-Token: $csrf" -H 'Content-Type: application/json' \
  -d '{"name":"sqlmap"}' "$base_url/api/v1/tokens" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
auth="Authorization: Bearer $token"
assessment=$(curl -fs -H "$auth" -H 'Content-Type: application/json' -d '{"statement_id":1}' \
  "$base_url/api/v1/score" | python3 -c 'import json,sys; print(json.load(sys.stdin)["assessment_id"])')
job=$(curl -fs -H "$auth" -H 'Content-Type: application/json' \
  -d "{\"snapshot_id\":\"$snapshot\",\"parameters\":{\"trees\":5}}" "$base_url/api/v1/training-jobs" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
victim_token=1

# One target per route and parameter kind (path / query / JSON body), from openapi.json.
python3 - "$root/web/openapi.json" "$base_url" "$out/targets.tsv" <<EOF
import json, sys
spec = json.load(open(sys.argv[1])); base = sys.argv[2]
ids = {"assessments": "$assessment", "training-jobs": "$job", "tokens": "$victim_token",
       "models": "1"}
values = {"username": "victim_user", "snapshot_id": "$snapshot", "from": "2009-01-01",
          "to": "2100-01-01", "as_of": "2026-01-01", "first": "2009-12-31", "second": "2026-01-01",
          "model_id": "1", "performance_months": "12", "alpha": "0.05", "format": "json",
          "entity_type": "model", "entity_id": "1", "actor": "prober", "action": "model.promoted",
          "after_id": "0", "limit": "10", "dataset": "taiwan"}
# A valid body per route, so that every field reaches the service (and its SQL) unrefused.
bodies = {
  "/api/v1/session": {"username": "login_probe", "password": "$password"},
  "/api/v1/score": {"statement_id": 1, "company": "taiwan:1", "top_k": 3},
  "/api/v1/score/batch": {"rows": [{"statement_id": 2}]},
  "/api/v1/assessments/{id}/decision": {"decision": "refer", "rationale": "sqlmap probe text",
                                        "reason_code": "other"},
  "/api/v1/models/{id}/approve": {"note": "sqlmap"},
  "/api/v1/models/{id}/reject": {"reason": "sqlmap"},
  "/api/v1/users": {"username": "probe-new", "display_name": "Probe", "password": "$password",
                    "roles": "viewer"},
  "/api/v1/tokens": {"name": "sqlmap probe", "username": "prober"},
  "/api/v1/outcomes": {"company": "taiwan:3", "defaulted": False, "observed_at": "2026-01-02",
                       "note": "sqlmap"},
  "/api/v1/snapshots": {"dataset": "taiwan", "note": "sqlmap"},
  "/api/v1/training-jobs": {"snapshot_id": "$snapshot", "family": "rf",
                            "parameters": {"trees": 5, "seed": 1}},
}
rows = []
for path, ops in spec["paths"].items():
    for method, op in ops.items():
        params = op.get("parameters", [])
        path_params = [p["name"] for p in params if p.get("in") == "path"]
        query = [p["name"] for p in params if p.get("in") == "query"]
        def concrete(mark):
            out = path
            for name in path_params:
                value = values.get(name) or ids.get(path.split("/")[3], "1")
                out = out.replace("{" + name + "}", value + ("*" if mark else ""))
            return base + out
        for name in path_params:
            rows.append((method.upper(), concrete(True), "-", "path", name))
        if query:
            qs = "&".join(f"{n}={values.get(n, '1')}" for n in query)
            rows.append((method.upper(), concrete(False) + "?" + qs, "-", "query", ",".join(query)))
        if "requestBody" in op:
            body = bodies[path]  # a new route with a body needs its sample here
            rows.append((method.upper(), concrete(False), json.dumps(body), "json",
                         ",".join(body.keys())))
with open(sys.argv[3], "w") as f:
    for row in rows:
        f.write("\t".join(row) + "\n")
EOF

# The server's own cookies are dropped: the bearer token alone authenticates every request.
common=(--batch --level "$level" --risk "$risk" --threads 2 --flush-session --disable-coloring
        --drop-set-cookie --output-dir "$out/sqlmap" -H "$auth" --timeout 30 --retries 1)
((quick)) && common+=(--technique BEU)
fields=0 runs=0 found=0 incomplete=0
started=$(date +%s)
: >"$out/findings.txt"
while IFS=$'\t' read -r method url body kind names; do
  runs=$((runs + 1))
  args=("${common[@]}" -u "$url" --method "$method")
  # The headers (User-Agent, Referer, Host) that level 3 adds are probed on one target only.
  [[ $url == *"/api/v1/audit?"* ]] || args+=(--skip "user-agent,referer,host")
  if [[ $kind == json ]]; then
    args+=(--data "$body" -H "Content-Type: application/json")
  elif [[ $kind == query ]]; then
    args+=(-p "$names")
  fi
  # A refused log-in (401, then 429 once a user name failed five times) is the log-in's
  # "false" answer, not a reason to stop.
  [[ $url == */api/v1/session ]] && args+=(--ignore-code 401,429)
  log=$out/run-$runs.log
  count=$(tr ',' '\n' <<<"$names" | grep -c .)
  fields=$((fields + count))
  printf 'sqlmap.sh: [%2d] %-6s %-70s %-5s %s\n' "$runs" "$method" "${url#"$base_url"}" "$kind" "$names"
  sqlmap "${args[@]}" </dev/null >"$log" 2>&1 || true
  if grep -qE "sqlmap identified the following injection point|is vulnerable" "$log"; then
    found=$((found + 1))
    echo "FINDING: $method $url ($kind: $names) -> $log" | tee -a "$out/findings.txt"
  elif ! grep -q "all tested parameters do not appear to be injectable" "$log"; then
    # Neither a finding nor sqlmap's all-clear: the run did not test what it should have.
    incomplete=$((incomplete + 1))
    echo "INCOMPLETE: $method $url: $(grep -m1 -E 'CRITICAL|ERROR' "$log" || tail -n 1 "$log")" |
      tee -a "$out/findings.txt"
  fi
done <"$out/targets.tsv"
# The token must have survived the run (else later targets were tested unauthenticated).
curl -fs -H "$auth" "$base_url/api/v1/session" >/dev/null ||
  { echo "sqlmap.sh: the bearer token stopped working during the run" >&2; incomplete=$((incomplete + 1)); }
elapsed=$(( $(date +%s) - started ))
# Requests that matched a route (payloads that break a path pattern get httplib's 404 unlogged).
requests=$(grep -c "request_id=" "$out/serve.log" || true)
errors=$(grep -c "status=5" "$out/serve.log" || true)
summary="sqlmap $(sqlmap --version 2>/dev/null | head -n1) on $db, level $level, risk $risk: $runs runs, $fields parameters, $requests requests reached a route ($errors answered 5xx), ${elapsed}s, findings: $found, incomplete runs: $incomplete"
echo "$summary" | tee "$out/summary.txt"
((found == 0 && incomplete == 0))

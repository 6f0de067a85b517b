#!/usr/bin/env bash
# Import benchmark: `risklab import` of the reference file (6,819 rows x 95 ratios + label) on
# SQLite, MariaDB and PostgreSQL, against the Python reference (pandas read_csv + to_sql into
# SQLite), same file, same machine, one run. Prints the median of N runs and the ratios.
#   bench/import/run.sh [RUNS]        (default 5; needs a release build: cmake --preset release)
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${1:-5}
bin=build/release/risklab
data=../shared/data/taiwan_bankruptcy.csv
[[ -x $bin ]] || { cmake --preset release >/dev/null && cmake --build --preset release >/dev/null; }
work=$(mktemp -d); trap 'scripts/test-servers.sh stop "$work/servers" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

now() { date +%s.%N; }
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

time_risklab() { # url-maker
  local times=() i url t0 t1
  for i in $(seq 1 "$runs"); do
    url=$($1 "$i")
    $bin --db "$url" init >/dev/null
    t0=$(now); $bin --db "$url" import "$data" --label "Bankrupt?" >/dev/null; t1=$(now)
    times+=("$(echo "$t1 - $t0" | bc -l)")
  done
  printf '%s\n' "${times[@]}" | median | xargs printf '%.3f'
}

sqlite_url() { echo "sqlite://$work/sqlite-$1.db"; }
scripts/test-servers.sh start "$work/servers" >/dev/null
source <(sed 's/^/export /' "$work/servers/servers.env")
mysql_url() {
  mariadb --no-defaults --protocol=tcp -h127.0.0.1 -P"$(cat "$work/servers/mariadb/port")" -uroot \
    -e "CREATE DATABASE bench$1 CHARACTER SET utf8mb4" && echo "$RISKLAB_TEST_MYSQL/bench$1"
}
pg_url() {
  PGPASSWORD=risklab-test-pw psql -q -h 127.0.0.1 -p "$(cat "$work/servers/postgres/port")" \
    -U risklab -d postgres -c "CREATE DATABASE bench$1" && echo "$RISKLAB_TEST_POSTGRESQL/bench$1"
}

sqlite_s=$(time_risklab sqlite_url)
mysql_s=$(time_risklab mysql_url)
pg_s=$(time_risklab pg_url)
py_times=()
for i in $(seq 1 "$runs"); do
  py_times+=("$(/usr/bin/python3 bench/import/pandas_import.py "$data" "$work/py-$i.db")")
done
py_s=$(printf '%s\n' "${py_times[@]}" | median | xargs printf '%.3f')

cat <<TABLE
Import of $data ($(tail -n +2 "$data" | wc -l) rows), median of $runs runs, $(nproc) cores
| what | seconds | pandas time / this time (>1: faster than pandas) |
|---|---|---|
| risklab import, SQLite | $sqlite_s | $(echo "$py_s / $sqlite_s" | bc -l | xargs printf '%.2f')x |
| risklab import, MariaDB $(mariadbd --version | grep -oE '[0-9]+\.[0-9]+\.[0-9]+' | head -1) | $mysql_s | $(echo "$py_s / $mysql_s" | bc -l | xargs printf '%.2f')x |
| risklab import, PostgreSQL $(ls /usr/lib/postgresql | sort -V | tail -1) | $pg_s | $(echo "$py_s / $pg_s" | bc -l | xargs printf '%.2f')x |
| pandas read_csv + to_sql, SQLite (reference) | $py_s | 1.00x |
TABLE

#!/usr/bin/env bash
# Back-up and restore round trip on one backend (sqlite, mysql or postgresql): a working
# installation (reference sample imported, a model trained, approved by a second person and
# promoted, every row scored, a decision, outcomes shipped to the lake) is backed up with
# scripts/backup.sh while a server runs, restored with scripts/restore.sh into an empty database
# and lake; then the restored audit chain verifies, every table has the same rows, the restored
# installation scores with the same champion and its chain still verifies after the new rows,
# and restore refuses to write over a database that is not empty.
#   backup_restore_test.sh BACKEND RISKLAB_BINARY SOURCE_DIR SERVERS_ENV
set -euo pipefail
backend=$1 R=$2 src=$3 servers_env=$4
work=$(mktemp -d)
server=
cleanup() {
  [[ -n $server ]] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
trap 'echo "FAIL: line $LINENO: $BASH_COMMAND" >&2' ERR
# shellcheck source=scripts/lib/db-url.sh
source "$src/scripts/lib/db-url.sh"

name=rl_backup_$$_$RANDOM
case $backend in
  sqlite)
    src_db=sqlite://$work/source.db dst_db=sqlite://$work/restored/risklab.db ;;
  mysql|postgresql)
    # shellcheck disable=SC1090
    source "$servers_env"
    base=$([[ $backend == mysql ]] && echo "$RISKLAB_TEST_MYSQL" || echo "$RISKLAB_TEST_POSTGRESQL")
    src_db=$base/${name}_src dst_db=$base/${name}_dst
    for db in "${name}_src" "${name}_dst"; do
      parse_db_url "$base/$db"
      if [[ $backend == mysql ]]; then
        MYSQL_PWD=$DB_PASSWORD mariadb --no-defaults $MYSQL_TLS --protocol=tcp -h "$DB_HOST" -P "$DB_PORT" \
          -u "$DB_USER" -e "CREATE DATABASE $db CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"
      else
        PGPASSWORD=$DB_PASSWORD psql -h "$DB_HOST" -p "$DB_PORT" -U "$DB_USER" -d postgres -qc \
          "CREATE DATABASE $db"
      fi
    done ;;
  *) fail "unknown backend $backend" ;;
esac

export RISKLAB_LOG_LEVEL=warn RISKLAB_DB=$src_db RISKLAB_LAKE=file://$work/lake
# Every tenth reference row: a sample with the reference default rate.
awk 'NR == 1 || NR % 10 == 0' "$src/../shared/data/taiwan_bankruptcy.csv" > "$work/data.csv"
RISKLAB_ADMIN_PASSWORD=admin-password-1 "$R" init >/dev/null
"$R" import "$work/data.csv" --label 'Bankrupt?' >/dev/null
"$R" ml train --data "$work/data.csv" --label 'Bankrupt?' --trees 20 --out "$work/model.rlm" >/dev/null 2>&1
"$R" models register "$work/model.rlm" >/dev/null
USER=second-person "$R" models approve 1 --note "backup test" >/dev/null
"$R" models promote 1 >/dev/null
"$R" score --data "$work/data.csv" > "$work/scores-before.csv"
"$R" outbox drain >/dev/null

# The back-up is taken while a server runs (an online back-up).
"$R" serve --port 0 --no-worker > "$work/serve.log" 2>&1 &
server=$!
sleep 1
RISKLAB_DB=$src_db "$src/scripts/backup.sh" "$work/backup" >/dev/null
kill "$server"; wait "$server" 2>/dev/null || true; server=

RISKLAB_DB=$dst_db RISKLAB_LAKE=file://$work/restored/lake RISKLAB_BINARY=$R \
  "$src/scripts/restore.sh" "$work/backup" > "$work/restore.log" 2>&1 \
  || { cat "$work/restore.log" >&2; fail "restore failed"; }
grep -q "intact" "$work/restore.log" || { cat "$work/restore.log" >&2; fail "no audit verdict"; }

count() {  # count DB_URL TABLE
  parse_db_url "$1"
  case $DB_SCHEME in
    sqlite) sqlite3 "$DB_PATH" "SELECT COUNT(*) FROM $2" ;;
    mysql) MYSQL_PWD=$DB_PASSWORD mariadb --no-defaults $MYSQL_TLS --protocol=tcp -h "$DB_HOST" -P "$DB_PORT" \
             -u "$DB_USER" -N "$DB_NAME" -e "SELECT COUNT(*) FROM $2" ;;
    postgresql) PGPASSWORD=$DB_PASSWORD psql -h "$DB_HOST" -p "$DB_PORT" -U "$DB_USER" -d "$DB_NAME" \
                  -Atc "SELECT COUNT(*) FROM $2" ;;
  esac
}
for table in statements companies outcomes assessments models model_reviews users audit_log outbox \
             schema_version; do
  before=$(count "$src_db" "$table") after=$(count "$dst_db" "$table")
  [[ $before == "$after" ]] || fail "$table: $before rows backed up, $after restored"
  [[ $table != assessments || $before -gt 600 ]] || fail "too few assessments ($before) to mean anything"
done
diff -r "$work/lake" "$work/restored/lake" >/dev/null || fail "the restored lake differs"

# The restored installation works: same champion, new scorings chain on, the chain verifies.
export RISKLAB_DB=$dst_db RISKLAB_LAKE=file://$work/restored/lake
"$R" models list | grep -q champion || fail "no champion after the restore"
head -3 "$work/data.csv" > "$work/two.csv"
"$R" score --data "$work/two.csv" > "$work/scores-after.csv"
[[ $(sed -n 2p "$work/scores-after.csv" | cut -d, -f2-4,6) == "$(sed -n 2p "$work/scores-before.csv" | cut -d, -f2-4,6)" ]] \
  || fail "the restored champion scores differently"
"$R" audit verify >/dev/null || fail "the chain does not verify after new rows"

# A restore never writes over a database that holds data.
if RISKLAB_BINARY=$R "$src/scripts/restore.sh" "$work/backup" > "$work/again.log" 2>&1; then
  fail "restore wrote over a database that is not empty"
fi
grep -q "not empty\|exists" "$work/again.log" || { cat "$work/again.log" >&2; fail "unclear refusal"; }
echo "backup/restore round trip on $backend: ok"

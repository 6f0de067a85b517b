#!/usr/bin/env bash
# Restores a backup made by scripts/backup.sh into an EMPTY database (and an empty or absent file
# lake), then checks the audit chain. It refuses to write over anything that exists: a restore
# never merges into or replaces a live installation.
#
#   scripts/restore.sh DIR       (RISKLAB_DB and RISKLAB_LAKE name the targets;
#                                 RISKLAB_BINARY=path/to/risklab for the audit check, default
#                                 build/release/risklab)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/lib/db-url.sh
source "$here/lib/db-url.sh"

dir=${1:-}
[[ -n $dir && -f $dir/MANIFEST ]] || { echo "usage: $0 DIR (a directory written by backup.sh)" >&2; exit 2; }
db_url=${RISKLAB_DB:-sqlite://risklab.db}
lake_url=${RISKLAB_LAKE:-file://lake}
risklab=${RISKLAB_BINARY:-$here/../build/release/risklab}
parse_db_url "$db_url"
manifest() { sed -n "s/^$1=//p" "$dir/MANIFEST"; }

backend=$(manifest backend)
dump=$(manifest database)
[[ $backend == "$DB_SCHEME" ]] || {
  echo "restore: the backup holds a $backend database, RISKLAB_DB is $DB_SCHEME" >&2; exit 2; }
[[ $(sha256sum "$dir/$dump" | cut -d' ' -f1) == "$(manifest sha256)" ]] || {
  echo "restore: $dir/$dump does not match the sha256 in its MANIFEST" >&2; exit 1; }

case $DB_SCHEME in
  sqlite)
    [[ ! -e $DB_PATH ]] || { echo "restore: $DB_PATH exists; restore into a new file" >&2; exit 2; }
    mkdir -p "$(dirname "$DB_PATH")"
    cp "$dir/$dump" "$DB_PATH" ;;
  mysql)
    tables=$(MYSQL_PWD=$DB_PASSWORD mariadb --no-defaults $MYSQL_TLS --protocol=tcp -h "$DB_HOST" -P "$DB_PORT" \
      -u "$DB_USER" -N -e "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = '$DB_NAME'")
    [[ $tables == 0 ]] || { echo "restore: database $DB_NAME is not empty ($tables tables)" >&2; exit 2; }
    MYSQL_PWD=$DB_PASSWORD mariadb --no-defaults $MYSQL_TLS --protocol=tcp -h "$DB_HOST" -P "$DB_PORT" \
      -u "$DB_USER" "$DB_NAME" < "$dir/$dump" ;;
  postgresql)
    tables=$(PGPASSWORD=$DB_PASSWORD psql -h "$DB_HOST" -p "$DB_PORT" -U "$DB_USER" -d "$DB_NAME" -Atc \
      "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'public'")
    [[ $tables == 0 ]] || { echo "restore: database $DB_NAME is not empty ($tables tables)" >&2; exit 2; }
    PGPASSWORD=$DB_PASSWORD pg_restore -h "$DB_HOST" -p "$DB_PORT" -U "$DB_USER" -d "$DB_NAME" \
      --no-owner --no-privileges --exit-on-error "$dir/$dump" ;;
esac

if [[ $(manifest lake) == lake ]]; then
  case $lake_url in
    file://*)
      lake_path=${lake_url#file://}
      if [[ -d $lake_path && -n $(ls -A "$lake_path") ]]; then
        echo "restore: the lake $lake_path is not empty; the database is restored, the lake is not" >&2
        exit 2
      fi
      mkdir -p "$lake_path"
      cp -a "$dir/lake/." "$lake_path/" ;;
    *) echo "restore: the backup's file lake is not copied to $lake_url (see docs/OPERATIONS.md)" >&2 ;;
  esac
fi

echo "restore: $backend database restored; checking the audit chain"
"$risklab" audit verify

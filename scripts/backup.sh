#!/usr/bin/env bash
# Backs up a RiskLab installation into DIR: the database first (a consistent online dump with
# the backend's own tool), then the file lake. The lake is append-only and every object is
# written once (snapshots, artifacts, cards, outcomes), so a lake copy taken after the dump holds
# every object the dump refers to; outbox rows still pending in the dump are shipped again after
# a restore and find their identical object (put_if_absent), so nothing is lost or duplicated.
#
#   scripts/backup.sh DIR        (RISKLAB_DB and RISKLAB_LAKE as for `risklab`; DIR must not exist)
#
# SQLite: `sqlite3 .backup` (the online backup API); MySQL/MariaDB: `mariadb-dump
# --single-transaction`; PostgreSQL: `pg_dump -Fc`. Passwords go to the tools through
# MYSQL_PWD / PGPASSWORD, never on a command line. An azure:// lake is not copied here: use the
# storage account's own protection (blob versioning + soft delete, or object replication to a
# second account; docs/OPERATIONS.md).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/lib/db-url.sh
source "$here/lib/db-url.sh"

dir=${1:-}
[[ -n $dir ]] || { echo "usage: $0 DIR" >&2; exit 2; }
[[ ! -e $dir ]] || { echo "backup: $dir already exists; give a new directory" >&2; exit 2; }
db_url=${RISKLAB_DB:-sqlite://risklab.db}
lake_url=${RISKLAB_LAKE:-file://lake}
parse_db_url "$db_url"

mkdir -p "$dir"
case $DB_SCHEME in
  sqlite)
    [[ -f $DB_PATH ]] || { echo "backup: no SQLite database at $DB_PATH" >&2; exit 1; }
    sqlite3 "$DB_PATH" ".backup '$dir/risklab.sqlite'"
    dump=risklab.sqlite ;;
  mysql)
    MYSQL_PWD=$DB_PASSWORD mariadb-dump --no-defaults $MYSQL_TLS --protocol=tcp -h "$DB_HOST" -P "$DB_PORT" \
      -u "$DB_USER" --single-transaction --skip-lock-tables --hex-blob --routines --triggers \
      --default-character-set=utf8mb4 --no-create-db "$DB_NAME" > "$dir/risklab.sql"
    dump=risklab.sql ;;
  postgresql)
    PGPASSWORD=$DB_PASSWORD pg_dump -h "$DB_HOST" -p "$DB_PORT" -U "$DB_USER" -d "$DB_NAME" \
      -Fc --no-owner --no-privileges -f "$dir/risklab.pgdump"
    dump=risklab.pgdump ;;
esac

lake_copy=none
case $lake_url in
  file://*)
    lake_path=${lake_url#file://}
    if [[ -d $lake_path ]]; then cp -a "$lake_path" "$dir/lake"; lake_copy=lake; fi ;;
  *) echo "backup: the lake $lake_url is not copied (see docs/OPERATIONS.md, Back-up)" >&2 ;;
esac

{
  echo "created_at=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "backend=$DB_SCHEME"
  echo "database=$dump"
  echo "lake=$lake_copy"
  echo "sha256=$(sha256sum "$dir/$dump" | cut -d' ' -f1)"
} > "$dir/MANIFEST"
echo "backup: $DB_SCHEME database -> $dir/$dump; lake -> $lake_copy"

#!/usr/bin/env bash
# Starts (or stops) throwaway MariaDB and PostgreSQL servers for the test suite: plain processes
# on 127.0.0.1, free ports, data in DIR, no systemd (see ../shared/INFRA.md sections 1 and 2).
#   scripts/test-servers.sh start DIR   -> writes DIR/servers.env with the admin URLs
#   scripts/test-servers.sh stop DIR
# A server that cannot start fails loudly (exit 1, its log printed): backends are never skipped.
set -euo pipefail
cmd=${1:-}; dir=${2:-}
[[ -n $cmd && -n $dir ]] || { echo "usage: $0 start|stop DIR" >&2; exit 2; }
mkdir -p "$dir"; dir=$(realpath "$dir")
pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
user=risklab; password=risklab-test-pw

free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
fail() { echo "test-servers: $1" >&2; [[ -f ${2:-} ]] && tail -n 30 "$2" >&2; exit 1; }

# A self-signed certificate for 127.0.0.1: both servers offer TLS, so that the tests can show
# that the URL's TLS options (sslca, sslmode, sslrootcert) reach the client libraries.
make_tls() {
  local d=$dir/tls
  rm -rf "$d"; mkdir -p "$d"
  openssl req -x509 -newkey rsa:2048 -nodes -days 7 -subj "/CN=127.0.0.1" \
    -addext "subjectAltName=IP:127.0.0.1" -keyout "$d/key.pem" -out "$d/cert.pem" \
    >"$d/openssl.log" 2>&1 || fail "openssl could not make the test certificate" "$d/openssl.log"
  chmod 644 "$d/cert.pem"
  echo "RISKLAB_TEST_TLS_CA=$d/cert.pem" >>"$dir/servers.env"
}

start_mariadb() {
  local d=$dir/mariadb port; port=$(free_port)
  rm -rf "$d"; mkdir -p "$d"
  mariadb-install-db --no-defaults --user=root --datadir="$d/data" \
    --auth-root-authentication-method=normal --skip-test-db >"$d/install.log" 2>&1 \
    || fail "mariadb-install-db failed" "$d/install.log"
  setsid /usr/sbin/mariadbd --no-defaults --user=root --datadir="$d/data" --socket="$d/my.sock" \
    --port="$port" --bind-address=127.0.0.1 --pid-file="$d/my.pid" --log-error="$d/err.log" \
    --skip-name-resolve --innodb-buffer-pool-size=64M --innodb-flush-log-at-trx-commit=2 \
    --max-connections=300 --ssl-cert="$dir/tls/cert.pem" --ssl-key="$dir/tls/key.pem" \
    </dev/null >/dev/null 2>&1 &
  for _ in $(seq 1 300); do
    mariadb-admin --no-defaults --protocol=tcp -h127.0.0.1 -P"$port" -uroot ping >/dev/null 2>&1 && break
    sleep 0.1
  done
  mariadb --no-defaults --protocol=tcp -h127.0.0.1 -P"$port" -uroot -e "
    CREATE USER '$user'@'%' IDENTIFIED BY '$password';
    GRANT ALL ON *.* TO '$user'@'%' WITH GRANT OPTION;" 2>>"$d/err.log" \
    || fail "MariaDB did not come up on port $port" "$d/err.log"
  echo "$port" >"$d/port"
  echo "RISKLAB_TEST_MYSQL=mysql://$user:$password@127.0.0.1:$port" >>"$dir/servers.env"
}

start_postgres() {
  local d=$dir/postgres port; port=$(free_port)
  [[ -n $pg_bin ]] || fail "PostgreSQL server binaries not found under /usr/lib/postgresql"
  rm -rf "$d"; mkdir -p "$d"
  # The postgres user must own its directory and traverse every parent.
  chown postgres:postgres "$d"
  local p=$d; while [[ $p != / ]]; do p=$(dirname "$p"); chmod o+x "$p" 2>/dev/null || true; done
  runuser -u postgres -- "$pg_bin/initdb" -D "$d/data" -U postgres --auth=trust \
    --auth-host=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 >"$d/initdb.log" 2>&1 \
    || fail "initdb failed" "$d/initdb.log"
  # PostgreSQL wants its key owned by its own user, readable by nobody else.
  install -o postgres -g postgres -m 600 "$dir/tls/key.pem" "$d/server.key"
  install -o postgres -g postgres -m 644 "$dir/tls/cert.pem" "$d/server.crt"
  runuser -u postgres -- "$pg_bin/pg_ctl" -D "$d/data" -l "$d/server.log" -w -t 60 \
    -o "-p $port -c listen_addresses=127.0.0.1 -k $d -c fsync=off -c max_connections=300 -c ssl=on -c ssl_cert_file=$d/server.crt -c ssl_key_file=$d/server.key" \
    start >/dev/null 2>&1 || fail "PostgreSQL did not start on port $port" "$d/server.log"
  runuser -u postgres -- "$pg_bin/psql" -h "$d" -p "$port" -U postgres -v ON_ERROR_STOP=1 -q \
    -c "CREATE ROLE $user LOGIN CREATEDB PASSWORD '$password'" >/dev/null \
    || fail "cannot create the PostgreSQL test role" "$d/server.log"
  echo "$port" >"$d/port"
  echo "RISKLAB_TEST_POSTGRESQL=postgresql://$user:$password@127.0.0.1:$port" >>"$dir/servers.env"
}

stop_all() {
  if [[ -f $dir/mariadb/port ]]; then
    mariadb-admin --no-defaults --protocol=tcp -h127.0.0.1 -P"$(cat "$dir/mariadb/port")" -uroot \
      shutdown >/dev/null 2>&1 || true
    for _ in $(seq 1 100); do [[ -f $dir/mariadb/my.pid ]] || break; sleep 0.1; done
  fi
  if [[ -f $dir/postgres/data/postmaster.pid ]]; then
    runuser -u postgres -- "$pg_bin/pg_ctl" -D "$dir/postgres/data" -m immediate -w stop \
      >/dev/null 2>&1 || true
  fi
  rm -rf "$dir/mariadb" "$dir/postgres" "$dir/tls" "$dir/servers.env"
}

case $cmd in
  start)
    stop_all
    make_tls
    start_mariadb
    start_postgres
    echo "test-servers: up"; cat "$dir/servers.env"
    ;;
  stop) stop_all; echo "test-servers: stopped" ;;
  *) echo "usage: $0 start|stop DIR" >&2; exit 2 ;;
esac

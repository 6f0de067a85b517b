# Splits a RiskLab database URL (sqlite://PATH, mysql://USER:PASS@HOST:PORT/DB,
# postgresql://USER:PASS@HOST:PORT/DB; user and password percent-encoded) into DB_SCHEME
# (sqlite|mysql|postgresql), DB_PATH, DB_HOST, DB_PORT, DB_USER, DB_PASSWORD, DB_NAME, and the
# URL's TLS options for the clients: MYSQL_TLS (mariadb/mariadb-dump flags from sslca, sslcert,
# sslkey) and, for PostgreSQL, the libpq variables PGSSLMODE, PGSSLROOTCERT, PGSSLCERT, PGSSLKEY.
# Sourced by scripts/backup.sh and scripts/restore.sh.
parse_db_url() {
  local fields
  fields=$(/usr/bin/python3 - "$1" <<'PY'
import shlex, sys
from urllib.parse import urlsplit, unquote, parse_qsl
def emit(scheme, path="", host="", port="", user="", password="", name=""):
    for key, value in (("SCHEME", scheme), ("PATH", path), ("HOST", host), ("PORT", port),
                       ("USER", user), ("PASSWORD", password), ("NAME", name)):
        print(f"DB_{key}={shlex.quote(str(value))}")
url = sys.argv[1]
scheme, _, rest = url.partition("://")
if not rest:
    sys.exit(f"not a database URL: {url.split('@')[-1]}")
if scheme == "sqlite":
    emit("sqlite", path=rest)
    sys.exit()
kinds = {"mysql": "mysql", "mariadb": "mysql", "postgresql": "postgresql", "postgres": "postgresql"}
if scheme not in kinds:
    sys.exit(f"unsupported database scheme '{scheme}' (sqlite, mysql or postgresql)")
parts = urlsplit(url)
name = parts.path.lstrip("/")
if not parts.hostname or not name:
    sys.exit("the database URL needs a host and a database name")
port = parts.port or (3306 if kinds[scheme] == "mysql" else 5432)
emit(kinds[scheme], host=parts.hostname, port=port, user=unquote(parts.username or ""),
     password=unquote(parts.password or ""), name=name)
options = dict(parse_qsl(parts.query))
flags = {"sslca": "--ssl-ca", "sslcert": "--ssl-cert", "sslkey": "--ssl-key"}
print("MYSQL_TLS=" + shlex.quote(" ".join(f"{flags[k]}={v}" for k, v in options.items() if k in flags)))
for key in ("sslmode", "sslrootcert", "sslcert", "sslkey"):
    if kinds[scheme] == "postgresql" and key in options:
        print(f"export PG{key.upper()}={shlex.quote(options[key])}")
PY
  ) || return 1
  MYSQL_TLS=
  eval "$fields"  # only NAME=<shlex-quoted value> lines
  export DB_SCHEME DB_PATH DB_HOST DB_PORT DB_USER DB_PASSWORD DB_NAME
}

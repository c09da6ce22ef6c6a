# Shared set-up for bin/up, bin/test and .ci/run. Source it; it changes nothing on its own.
# shellcheck shell=bash

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${VENV:-$ROOT/.venv}"
PY="$VENV/bin/python"

log() { printf '\033[1m[livescores]\033[0m %s\n' "$*" >&2; }

# Python 3.11 venv installed from a lock file (requirements/*.lock, hashes checked; see
# bin/lock), then the project itself without dependencies. Re-installed when the lock
# changes. The lock to use is the first argument (default requirements/dev.lock).
ensure_python_env() {
  local lock="${1:-${LIVESCORES_LOCK:-requirements/dev.lock}}"
  [ -f "$ROOT/$lock" ] || { log "no lock file $lock (bin/lock writes it)"; return 1; }
  if [ ! -x "$PY" ]; then
    local python; python="$(command -v python3.11 || command -v python3)"
    "$python" -c 'import sys; assert sys.version_info[:2] == (3, 11), sys.version' \
      || { log "Python 3.11 is required"; return 1; }
    log "creating virtualenv in $VENV"
    "$python" -m venv "$VENV"
  fi
  local stamp; stamp="$VENV/.installed-$(sha256sum "$ROOT/$lock" "$ROOT/pyproject.toml" | sha256sum | cut -c1-16)"
  if [ ! -f "$stamp" ]; then
    log "installing from $lock (first run takes a minute)"
    "$PY" -m pip install --quiet --require-hashes --no-deps -r "$ROOT/$lock"
    "$PY" -m pip install --quiet --no-deps --no-build-isolation -e "$ROOT"
    "$PY" -m pip check >/dev/null || { "$PY" -m pip check; return 1; }
    rm -f "$VENV"/.installed-*
    touch "$stamp"
  fi
}

# Front-end libraries (package.json / package-lock.json) into node_modules, served by
# Django staticfiles from there. Reinstalled when the lockfile changes.
ensure_node_modules() {
  command -v npm >/dev/null || { log "npm is required (Debian: apt-get install -y nodejs npm)"; return 1; }
  local stamp="$ROOT/node_modules/.package-lock.json"
  if [ ! -f "$stamp" ] || [ "$ROOT/package-lock.json" -nt "$stamp" ]; then
    log "installing front-end packages (npm ci)"
    (cd "$ROOT" && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

pg_answers() { pg_isready -q -h "${PGHOST:-127.0.0.1}" -p "${PGPORT:-5432}" 2>/dev/null; }
redis_answers() { redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG; }

# Start the local PostgreSQL and Redis when they are not answering (a machine with
# both installed, as ours are). Remote DATABASE_URL/REDIS_URL are left alone.
ensure_services() {
  if [[ "${DATABASE_URL:-127.0.0.1}" == *127.0.0.1* || "${DATABASE_URL:-}" == *localhost* ]] && ! pg_answers; then
    log "starting PostgreSQL"
    if command -v pg_ctlcluster >/dev/null; then
      pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -1)" main start || true
    fi
    for _ in $(seq 1 30); do pg_answers && break; sleep 1; done
    pg_answers || { log "PostgreSQL is not answering on 127.0.0.1:5432"; return 1; }
  fi
  if [[ "${REDIS_URL:-127.0.0.1}" == *127.0.0.1* || "${REDIS_URL:-}" == *localhost* ]] && ! redis_answers; then
    log "starting Redis"
    mkdir -p /var/lib/redis /var/log/redis 2>/dev/null || true
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
      --dir /var/lib/redis --logfile /var/log/redis/livescores.log
    for _ in $(seq 1 30); do redis_answers && break; sleep 1; done
    redis_answers || { log "Redis is not answering on 127.0.0.1:6379"; return 1; }
  fi
}

# Create the database named by DATABASE_URL (default livescores) if it is missing.
ensure_database() {
  "$PY" - <<'PY'
import os
import psycopg
import environ
from psycopg import sql

url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/livescores")
cfg = environ.Env.db_url_config(url)
conninfo = dict(host=cfg["HOST"] or None, port=cfg["PORT"] or None, user=cfg["USER"] or None,
                password=cfg["PASSWORD"] or None, dbname="postgres")
with psycopg.connect(**{k: v for k, v in conninfo.items() if v}, autocommit=True) as conn:
    if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [cfg["NAME"]]).fetchone():
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(cfg["NAME"])))
        print(f"created database {cfg['NAME']}")
PY
}

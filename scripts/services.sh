#!/usr/bin/env bash
# Make sure PostgreSQL (127.0.0.1:5432) and Redis (127.0.0.1:6379) answer, for the test suite.
# Starts them when they are installed but stopped; installs them from Debian's packages when they
# are missing and we run as root; otherwise says exactly what is missing and fails.
set -euo pipefail

say() { printf 'services: %s\n' "$*" >&2; }

pg_up() { (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null; }
redis_up() {
  command -v redis-cli >/dev/null 2>&1 && redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG && return 0
  (exec 3<>/dev/tcp/127.0.0.1/6379) 2>/dev/null
}
wait_for() { # name check-function
  for _ in $(seq 1 60); do "$2" && return 0; sleep 0.5; done
  say "$1 did not come up on 127.0.0.1"; return 1
}

apt_updated=0
apt_install() {
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    say "missing: $* (install them, or run as root on Debian so this script can)"; exit 1
  fi
  if [ $apt_updated = 0 ]; then apt-get update -qq; apt_updated=1; fi
  say "installing $* from Debian's packages"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

start_postgres() {
  if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then apt_install postgresql; fi
  local version; version=$(ls /etc/postgresql | sort -V | tail -n 1)
  say "starting PostgreSQL $version"
  pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  wait_for PostgreSQL pg_up
  # trust auth on 127.0.0.1 for the postgres role is how this machine ships; check that we can log in.
  if command -v psql >/dev/null 2>&1 && ! psql -h 127.0.0.1 -U postgres -c 'select 1' >/dev/null 2>&1; then
    say "PostgreSQL is up but 'psql -h 127.0.0.1 -U postgres' is refused: allow trust or set DATABASE_URL"
  fi
}

start_redis() {
  command -v redis-server >/dev/null 2>&1 || apt_install redis-server
  say "starting Redis"
  mkdir -p /var/lib/redis /var/log/redis 2>/dev/null || true
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log \
    || redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no
  wait_for Redis redis_up
}

pg_up || start_postgres
redis_up || start_redis
# The database `make bench` and manual runs use (pytest makes its own test_ database).
if command -v psql >/dev/null 2>&1 && ! psql -h 127.0.0.1 -U postgres -tAc "select 1 from pg_database where datname='studio'" 2>/dev/null | grep -q 1; then
  psql -h 127.0.0.1 -U postgres -qc 'create database studio' >/dev/null 2>&1 || true
fi
say "PostgreSQL and Redis are up"

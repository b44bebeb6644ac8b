#!/usr/bin/env bash
# A throwaway PostgreSQL server on loopback for the tests and benchmarks of the PostgreSQL store.
#
#   eval "$(scripts/postgres.sh start)"   # installs PostgreSQL from Debian's packages if missing,
#                                         # starts it, prints `export COPILOT_TEST_POSTGRES_URL=...`
#   scripts/postgres.sh stop              # stops it and deletes its data
#
# The server listens on 127.0.0.1 only, with password (SCRAM) authentication, and keeps its data
# in a temporary folder. Progress goes to stderr; only the export line goes to stdout.
set -euo pipefail

PORT="${COPILOT_TEST_POSTGRES_PORT:-55432}"
ROOT="${TMPDIR:-/tmp}/copilot-swift-test-postgres-$PORT"
DATA="$ROOT/data"
USER_NAME=copilot
PASSWORD_FILE="$ROOT/password"

say() { echo "postgres.sh: $*" >&2; }

find_bin() {
    local dir
    for dir in /usr/lib/postgresql/*/bin; do
        if [ -x "$dir/initdb" ]; then echo "$dir"; return 0; fi
    done
    if command -v pg_config >/dev/null && [ -x "$(pg_config --bindir)/initdb" ]; then pg_config --bindir; return 0; fi
    if command -v initdb >/dev/null; then dirname "$(command -v initdb)"; return 0; fi
    return 1
}

# Runs a PostgreSQL program as the cluster's owner: PostgreSQL refuses to run as root.
as_owner() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

start() {
    local bin
    if ! bin="$(find_bin)"; then
        if ! command -v apt-get >/dev/null; then
            say "PostgreSQL is not installed and there is no apt-get here: install it (e.g. brew install postgresql@15),"
            say "or point COPILOT_TEST_POSTGRES_URL at a server you already run."
            exit 1
        fi
        say "installing PostgreSQL from Debian's packages"
        local sudo=""
        [ "$(id -u)" = 0 ] || sudo="sudo"
        $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
        $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
        bin="$(find_bin)"
    fi
    if [ -f "$DATA/postmaster.pid" ] && as_owner "$bin/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
        say "already running on 127.0.0.1:$PORT"
    else
        rm -rf "$ROOT"
        mkdir -p "$ROOT"
        head -c 18 /dev/urandom | base64 | tr -d '/+=' > "$PASSWORD_FILE"
        if [ "$(id -u)" = 0 ]; then chown -R postgres "$ROOT"; fi
        chmod 700 "$ROOT"
        as_owner "$bin/initdb" -D "$DATA" -U "$USER_NAME" --pwfile="$PASSWORD_FILE" -A scram-sha-256 -E UTF8 >/dev/null
        as_owner "$bin/pg_ctl" -D "$DATA" -l "$ROOT/server.log" -w -t 60 \
            -o "-c listen_addresses=127.0.0.1 -p $PORT -k $ROOT -c max_connections=300 -c shared_buffers=64MB" start >/dev/null
        say "started PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$PORT (log: $ROOT/server.log)"
    fi
    local password
    password="$(cat "$PASSWORD_FILE")"
    echo "export COPILOT_TEST_POSTGRES_URL='postgres://$USER_NAME:$password@127.0.0.1:$PORT/postgres?sslmode=disable'"
}

stop() {
    local bin
    bin="$(find_bin)" || return 0
    if [ -f "$DATA/postmaster.pid" ]; then
        as_owner "$bin/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$ROOT"
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac

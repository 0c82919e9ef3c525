#!/usr/bin/env bash
# tests/pg/with-cluster.sh: run a command against a throwaway PostgreSQL 15 cluster.
#
# Starts a private cluster (Debian's binaries in /usr/lib/postgresql/15/bin) in a fresh
# temporary directory, listening only on 127.0.0.1 on a free port, creates the database
# weijian_test, runs CMD with WEIJIAN_TEST_PG and WEIJIAN_TEST_PG_ADMIN set, then always
# stops the cluster and deletes its directory, and exits with CMD's status.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: tests/pg/with-cluster.sh [--help] CMD [ARGS...]

Starts a throwaway PostgreSQL 15 cluster, runs CMD [ARGS...] with these variables
in its environment, then stops the cluster and removes its files (also when CMD
fails or the script is interrupted). Exits with CMD's exit status.

  WEIJIAN_TEST_PG        postgresql://postgres@127.0.0.1:PORT/weijian_test
                         (superuser connection to the freshly created test database)
  WEIJIAN_TEST_PG_ADMIN  postgresql://postgres@127.0.0.1:PORT/postgres
                         (maintenance database, for tests that create more databases)

The cluster listens only on 127.0.0.1 (plus a unix socket inside its temporary
directory), uses trust authentication, fsync=on and max_connections=200.
When run as root, initdb and pg_ctl run as the 'postgres' OS user (runuser);
otherwise they run as the invoking user.

Variables are set in CMD's environment, so expand them inside the child:
  tests/pg/with-cluster.sh sh -c 'psql "$WEIJIAN_TEST_PG" -c "select version()"'

Environment (optional):
  PG_BINDIR   PostgreSQL server binaries (default /usr/lib/postgresql/15/bin)
  TMPDIR      where the temporary directory is created (default /tmp)
EOF
}

case "${1:-}" in
  -h | --help) usage; exit 0 ;;
  "") usage >&2; exit 2 ;;
  --) shift; [ $# -gt 0 ] || { usage >&2; exit 2; } ;;
esac

PG_BINDIR="${PG_BINDIR:-/usr/lib/postgresql/15/bin}"
PG_OS_USER=postgres      # OS user owning the cluster when we are root
DB_NAME=weijian_test
DB_SUPERUSER=postgres    # database superuser created by initdb (-U)

# Messages go to a saved copy of stderr, so that they are not lost in a log file when a
# signal trap runs while a command's stderr is redirected.
exec {LOG_FD}>&2
log() { echo "with-cluster: $*" >&"$LOG_FD"; }
die() { log "error: $*"; exit 1; }

for b in initdb pg_ctl pg_isready postgres; do
  [ -x "$PG_BINDIR/$b" ] || die "$PG_BINDIR/$b not found (install postgresql-15 or set PG_BINDIR)"
done
command -v createdb >/dev/null || die "createdb not found (install postgresql-client-15)"

# ---------------------------------------------------------------------------------------
# State used by the cleanup trap. Everything the trap needs is set before it can matter.
# ---------------------------------------------------------------------------------------
TMP_ROOT=""       # temporary directory holding data dir, socket dir and server log
DATA_DIR=""
CHILD_PID=""      # pid of CMD while it runs
CLEANED_UP=0

# as_pg CMD...: run a server-side command as the cluster owner. As root this is the
# 'postgres' OS user (initdb and postgres refuse to run as root). The command runs from
# inside TMP_ROOT so that the postgres user never needs access to the caller's cwd.
as_pg() {
  if [ "$(id -u)" -eq 0 ]; then
    (cd "$TMP_ROOT" && runuser -u "$PG_OS_USER" -- "$@")
  else
    (cd "$TMP_ROOT" && "$@")
  fi
}

# Stop the cluster (fast shutdown, falling back to immediate, then SIGKILL) and remove
# the temporary directory. Idempotent; runs from the EXIT trap.
# shellcheck disable=SC2317  # invoked from a trap
cleanup() {
  [ "$CLEANED_UP" -eq 0 ] || return 0
  CLEANED_UP=1
  trap '' INT TERM HUP   # do not let a second Ctrl-C interrupt the cleanup
  if [ -n "$DATA_DIR" ] && [ -f "$DATA_DIR/postmaster.pid" ]; then
    if ! as_pg "$PG_BINDIR/pg_ctl" stop -D "$DATA_DIR" -m fast -w -t 30 >/dev/null 2>&1; then
      log "fast shutdown failed, trying immediate"
      as_pg "$PG_BINDIR/pg_ctl" stop -D "$DATA_DIR" -m immediate -w -t 10 >/dev/null 2>&1 || true
    fi
    # Last resort: kill the postmaster by the pid in its lock file (first line).
    if [ -f "$DATA_DIR/postmaster.pid" ]; then
      local pm
      pm="$(head -n 1 "$DATA_DIR/postmaster.pid" 2>/dev/null || true)"
      if [[ "$pm" =~ ^[0-9]+$ ]] && kill -0 "$pm" 2>/dev/null; then
        log "killing postmaster $pm"
        kill -KILL "$pm" 2>/dev/null || true
        # Its children exit on their own once the postmaster is gone; give them a moment.
        sleep 1
      fi
    fi
  fi
  if [ -n "$TMP_ROOT" ] && [ -d "$TMP_ROOT" ]; then
    rm -rf -- "$TMP_ROOT"
  fi
}
trap cleanup EXIT

# On a signal: pass it on to CMD as SIGTERM (a background child of a non-interactive shell
# ignores SIGINT), wait for it, and exit 128+signal; the EXIT trap then cleans up.
# shellcheck disable=SC2317  # invoked from a trap
on_signal() {
  local name="$1" num="$2"
  trap '' INT TERM HUP
  log "caught SIG$name, shutting down"
  if [ -n "$CHILD_PID" ] && kill -0 "$CHILD_PID" 2>/dev/null; then
    kill -TERM "$CHILD_PID" 2>/dev/null || true
    wait "$CHILD_PID" 2>/dev/null || true
  fi
  exit $((128 + num))
}
trap 'on_signal INT 2' INT
trap 'on_signal TERM 15' TERM
trap 'on_signal HUP 1' HUP

# ---------------------------------------------------------------------------------------
# Temporary directory: data dir, unix socket dir, server log.
# ---------------------------------------------------------------------------------------
TMP_ROOT="$(mktemp -d "${TMPDIR:-/tmp}/weijian-pg.XXXXXX")"
DATA_DIR="$TMP_ROOT/data"
SOCK_DIR="$TMP_ROOT/sock"
LOG_FILE="$TMP_ROOT/server.log"
if [ "$(id -u)" -eq 0 ]; then
  chown "$PG_OS_USER:" "$TMP_ROOT"
  # The postgres user must be able to reach the directory through its parents.
  runuser -u "$PG_OS_USER" -- test -w "$TMP_ROOT" \
    || die "$TMP_ROOT is not writable by user $PG_OS_USER (set TMPDIR to e.g. /tmp)"
fi
as_pg mkdir -m 0700 "$SOCK_DIR"
# A unix socket path is limited to 107 bytes; ".s.PGSQL.NNNNN" adds 15.
[ $(( ${#SOCK_DIR} + 15 )) -le 107 ] || die "socket path too long: $SOCK_DIR (use a shorter TMPDIR)"

# ---------------------------------------------------------------------------------------
# initdb: trust auth for local and host connections, UTF8, C locale (deterministic).
# ---------------------------------------------------------------------------------------
if ! as_pg "$PG_BINDIR/initdb" -D "$DATA_DIR" -U "$DB_SUPERUSER" --auth=trust \
     --encoding=UTF8 --locale=C >"$TMP_ROOT/initdb.log" 2>&1; then
  cat "$TMP_ROOT/initdb.log" >&2
  die "initdb failed"
fi

# Server settings. Only the port is passed on the command line (it may change on retry);
# the rest is appended to postgresql.conf so paths need no shell quoting.
as_pg tee -a "$DATA_DIR/postgresql.conf" >/dev/null <<EOF

# --- added by tests/pg/with-cluster.sh ---
listen_addresses = '127.0.0.1'
unix_socket_directories = '$SOCK_DIR'
max_connections = 200
fsync = on                  # durability is under test: never turn this off here
synchronous_commit = on
full_page_writes = on
EOF

# Only trust rules for the unix socket and 127.0.0.1; nothing else may connect.
as_pg tee "$DATA_DIR/pg_hba.conf" >/dev/null <<'EOF'
# TYPE  DATABASE        USER            ADDRESS                 METHOD
local   all             all                                     trust
host    all             all             127.0.0.1/32            trust
local   replication     all                                     trust
host    replication     all             127.0.0.1/32            trust
EOF

# ---------------------------------------------------------------------------------------
# Pick a free port and start. A port is "free" if nothing accepts a TCP connection on it;
# another process could still grab it before the server binds, so retry a few times.
# ---------------------------------------------------------------------------------------
port_in_use() {
  # Succeeds if something accepts connections on 127.0.0.1:$1 (bash's /dev/tcp).
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

pick_port() {
  local p=$(( 20000 + (RANDOM * 32768 + RANDOM) % 20001 )) i
  for ((i = 0; i < 200; i++)); do
    if ! port_in_use "$p"; then echo "$p"; return 0; fi
    p=$(( p >= 40000 ? 20000 : p + 1 ))
  done
  return 1
}

PORT=""
started=0
for attempt in 1 2 3 4 5; do
  PORT="$(pick_port)" || die "no free TCP port found in 20000-40000"
  if as_pg "$PG_BINDIR/pg_ctl" start -D "$DATA_DIR" -l "$LOG_FILE" -o "-p $PORT" -w -t 60 >/dev/null 2>&1; then
    started=1
    break
  fi
  log "start on port $PORT failed (attempt $attempt), server log:"
  tail -n 5 "$LOG_FILE" >&2 || true
  # Make sure a half-started server is gone before retrying.
  as_pg "$PG_BINDIR/pg_ctl" stop -D "$DATA_DIR" -m immediate -w >/dev/null 2>&1 || true
done
[ "$started" -eq 1 ] || { cat "$LOG_FILE" >&2 || true; die "could not start PostgreSQL"; }

# pg_ctl -w already waits, but also check readiness over TCP, the way clients connect.
ready=0
for ((i = 0; i < 100; i++)); do
  if "$PG_BINDIR/pg_isready" -q -h 127.0.0.1 -p "$PORT" -U "$DB_SUPERUSER" -d postgres; then
    ready=1; break
  fi
  sleep 0.1
done
[ "$ready" -eq 1 ] || { tail -n 20 "$LOG_FILE" >&2 || true; die "server not ready on 127.0.0.1:$PORT"; }

createdb -h 127.0.0.1 -p "$PORT" -U "$DB_SUPERUSER" --maintenance-db=postgres "$DB_NAME" \
  || die "createdb $DB_NAME failed"

export WEIJIAN_TEST_PG="postgresql://$DB_SUPERUSER@127.0.0.1:$PORT/$DB_NAME"
export WEIJIAN_TEST_PG_ADMIN="postgresql://$DB_SUPERUSER@127.0.0.1:$PORT/postgres"
log "PostgreSQL 15 ready: WEIJIAN_TEST_PG=$WEIJIAN_TEST_PG (data: $DATA_DIR)"

# ---------------------------------------------------------------------------------------
# Run CMD. It runs as an asynchronous child so that signal traps fire immediately
# (bash defers traps while a foreground child runs); "<&0" keeps our stdin for it
# instead of /dev/null, so interactive commands such as psql still work.
# ---------------------------------------------------------------------------------------
"$@" <&0 {LOG_FD}>&- &
CHILD_PID=$!
status=0
wait "$CHILD_PID" || status=$?
CHILD_PID=""
exit "$status"

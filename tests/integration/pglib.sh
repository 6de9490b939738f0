# pglib.sh: a throwaway PostgreSQL server for one test run, never the
# system cluster.  Source it after lib.sh (its EXIT trap is extended).
#   pg_init      initdb in a private directory (owned by `postgres` when
#                we are root), password authentication only, the
#                password in a passfile; sets PG_CONNINFO
#   pg_start     starts it on a private Unix socket directory (no TCP)
#   pg_stop      fast shutdown; the data stays for another pg_start
#   pg_psql SQL  runs SQL, prints rows unaligned
# Exits 77 (skip) when the PostgreSQL server binaries are not installed;
# .ci/run installs them, so CI always runs these tests.

: "${PG_BIN:=/usr/lib/postgresql/15/bin}"
PG_DIR=
PG_PORT=5439
PG_CONNINFO=

if [ ! -x "$PG_BIN/initdb" ] || [ ! -x "$PG_BIN/pg_ctl" ]; then
	echo "1..0 # SKIP PostgreSQL server binaries not found in $PG_BIN" \
	    "(apt-get install postgresql)"
	exit 77
fi

# pg_as CMD...: runs a command as the server's owner.
pg_as() {
	if [ "$(id -u)" -eq 0 ]; then
		# su's command is one string: quote every word.
		q=
		for a in "$@"; do
			q="$q '$(printf '%s' "$a" | sed "s/'/'\\\\''/g")'"
		done
		su postgres -s /bin/sh -c "$q"
	else
		"$@"
	fi
}

pg_cleanup() {
	pg_thaw
	if [ -n "$PG_DIR" ] && [ -f "$PG_DIR/data/postmaster.pid" ]; then
		pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w \
		    stop >/dev/null 2>&1
	fi
	if [ -n "$PG_DIR" ]; then
		[ "${tap_failed:-0}" -ne 0 ] && [ -f "$PG_DIR/log" ] &&
		    cp "$PG_DIR/log" "$T/postgresql.log" 2>/dev/null
		rm -rf "$PG_DIR"
	fi
	cleanup
}
trap pg_cleanup EXIT
trap 'exit 1' INT TERM HUP

pg_init() {
	# Outside $T: the server's user must reach it, and the socket path
	# must stay short (108 bytes).
	PG_DIR=$(mktemp -d /tmp/rgpg.XXXXXX) || return 1
	chmod 755 "$PG_DIR"
	printf 'rg-%s\n' "$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')" \
	    >"$PG_DIR/pw"
	[ "$(id -u)" -eq 0 ] && chown -R postgres: "$PG_DIR"
	if ! pg_as "$PG_BIN/initdb" -D "$PG_DIR/data" -U revguard \
	    --pwfile="$PG_DIR/pw" --auth=scram-sha-256 -E UTF8 \
	    --locale=C.UTF-8 -N >"$T/initdb.log" 2>&1; then
		echo "# initdb failed"; diag "$T/initdb.log"
		return 1
	fi
	# The client's passfile: what docs/fleet.md tells operators to do.
	printf '*:*:*:revguard:%s\n' "$(cat "$PG_DIR/pw")" >"$T/pgpass"
	chmod 600 "$T/pgpass"
	PG_CONNINFO="host=$PG_DIR port=$PG_PORT user=revguard dbname=postgres passfile=$T/pgpass"
}

pg_start() {
	pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/log" -w -t 30 \
	    -o "-c listen_addresses= -c unix_socket_directories=$PG_DIR -p $PG_PORT -c fsync=off" \
	    start >/dev/null 2>&1
}

pg_stop() {
	pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w -t 30 stop \
	    >/dev/null 2>&1
}

# pg_freeze: the server hangs (SIGSTOP to it and its backends): clients
# connect and send, nothing answers.  pg_thaw: it goes on.
pg_pids() {
	[ -f "$PG_DIR/data/postmaster.pid" ] || return 0
	pm=$(head -1 "$PG_DIR/data/postmaster.pid")
	echo "$pm"
	ps -o pid= --ppid "$pm"
}
pg_freeze() { kill -STOP $(pg_pids) 2>/dev/null; PG_FROZEN=1; }
pg_thaw() {
	[ "${PG_FROZEN:-0}" = 1 ] || return 0
	kill -CONT $(pg_pids) 2>/dev/null
	PG_FROZEN=0
}

pg_psql() {
	"$PG_BIN/psql" -X -q -A -t -v ON_ERROR_STOP=1 -d "$PG_CONNINFO" \
	    -c "$1"
}

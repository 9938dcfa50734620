#!/usr/bin/env bash
# Start/stop Neo4j 5 Community (in-process, Bolt only, loopback): the Neo4j server of kg's tests.
#
#   scripts/neo4j.sh build|start|stop|restart|status|health|env|admin ARGS...
#
# The launcher (scripts/neo4j/, one Java class) is built once with Maven: `org.neo4j:neo4j` from
# Maven Central, cached in ~/.m2; target/classpath.txt lists its jars. Nothing is downloaded at run
# time once built. `admin` runs Neo4j's own neo4j-admin (org.neo4j.cli.AdminTool, from the same
# jars) on this server's home, e.g. `scripts/neo4j.sh admin database import full ...`.
#
# Settings (environment):
#   KG_NEO4J_BOLT_PORT  Bolt port (default 7687)
#   KG_NEO4J_DIR        pid/log dir; the DBMS home (data) is $KG_NEO4J_DIR/home
#                       (default ${TMPDIR:-/tmp}/kg-neo4j-$KG_NEO4J_BOLT_PORT)
#   KG_NEO4J_AUTH       user:pass turns authentication on (default: off)
#   KG_NEO4J_HEAP       JVM heap (default 1g)
#   KG_NEO4J_START_TIMEOUT  seconds `start` waits for Bolt (default 300: a cold JVM on a loaded
#                       2-core machine took over 120 s)
#   KG_PYTHON           Python with the neo4j driver, for the health check (default: the first of
#                       ./.venv/bin/python, python, python3 that has it)
# Exit codes: 0 ok; 1 not running / unhealthy / failed to start; 2 usage; 3 Java/Maven/build missing.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PROJECT="$ROOT/scripts/neo4j"
BOLT_PORT="${KG_NEO4J_BOLT_PORT:-7687}"
DIR="${KG_NEO4J_DIR:-${TMPDIR:-/tmp}/kg-neo4j-$BOLT_PORT}"
HOME_DIR="$DIR/home"
PIDFILE="$DIR/neo4j.pid"
LOG="$DIR/neo4j.log"
AUTH="${KG_NEO4J_AUTH:-}"
NAME=neo4j
# shellcheck source=servers.sh
source "$ROOT/scripts/servers.sh"

build() { maven_build neo4j "$PROJECT"; }

_python() {
    if [[ -n "${KG_PYTHON:-}" ]]; then echo "$KG_PYTHON"; return; fi
    for p in "$ROOT/.venv/bin/python" python python3; do
        if command -v "$p" >/dev/null 2>&1 && "$p" -c "import neo4j" 2>/dev/null; then
            echo "$p"; return
        fi
    done
    echo "neo4j.sh: no Python with the neo4j driver; install it: pip install neo4j" >&2
    exit 3
}

_java() {  # _java MAIN-CLASS ARGS...: the launcher's classpath, the JVM flags Neo4j's own scripts pass
    local main="$1"; shift
    build
    NEO4J_HOME="$HOME_DIR" NEO4J_CONF="$HOME_DIR/conf" exec java -Xmx"${KG_NEO4J_HEAP:-1g}" -XX:+UseParallelGC \
        --add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/java.lang=ALL-UNNAMED \
        --add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED \
        -Dio.netty.tryReflectionSetAccessible=true -Dfile.encoding=UTF-8 \
        -cp "$PROJECT/target/classes:$(cat "$PROJECT/target/classpath.txt")" "$main" "$@"
}

# `RETURN 1` through the official driver, with the credentials of KG_NEO4J_AUTH.
_health() {
    "$(_python)" - "$BOLT_PORT" "$AUTH" <<'PY'
import sys
import neo4j
port, auth = int(sys.argv[1]), sys.argv[2]
creds = tuple(auth.split(":", 1)) if auth else None
d = neo4j.GraphDatabase.driver(f"bolt://127.0.0.1:{port}", auth=creds, connection_timeout=2,
                               connection_acquisition_timeout=3, max_transaction_retry_time=0)
try:
    with d.session() as s:
        assert s.run("RETURN 1 AS x").single()["x"] == 1
except Exception as exc:  # noqa: BLE001 - any failure means "not healthy yet"
    print(f"unhealthy: {type(exc).__name__}: {exc}", file=sys.stderr)
    sys.exit(1)
finally:
    d.close()
PY
}

start() {
    if (( BOLT_PORT < 1 || BOLT_PORT > 65535 )); then
        echo "neo4j.sh: KG_NEO4J_BOLT_PORT=$BOLT_PORT is no port" >&2; return 2
    fi
    if [[ -n "$AUTH" && "$AUTH" != ?*:?* ]]; then
        echo "neo4j.sh: KG_NEO4J_AUTH must be user:pass" >&2; return 2
    fi
    if _alive && _health 2>/dev/null; then
        echo "neo4j: already running (pid $(_pid), bolt://127.0.0.1:$BOLT_PORT)"
        return 0
    fi
    stop >/dev/null 2>&1 || true
    build
    mkdir -p "$HOME_DIR"
    : >"$LOG"
    KG_NEO4J_BOLT_PORT="$BOLT_PORT" KG_NEO4J_HOME="$HOME_DIR" KG_NEO4J_AUTH="$AUTH" \
        nohup bash "$ROOT/scripts/neo4j.sh" _run kg.neo4j.Launcher >"$LOG" 2>&1 </dev/null &
    echo $! >"$PIDFILE"
    local timeout="${KG_NEO4J_START_TIMEOUT:-300}" ready=0
    wait_ready "$timeout" "kg-neo4j: ready" || ready=$?
    if (( ready == 0 )); then
        local how="auth off"; [[ -n "$AUTH" ]] && how="auth on, user ${AUTH%%:*}"
        echo "neo4j: started (pid $(_pid), bolt://127.0.0.1:$BOLT_PORT, $how, log $LOG)"
        return 0
    elif (( ready == 1 )); then
        echo "neo4j: exited during start-up: $(grep -m1 'kg-neo4j: error' "$LOG" || tail -n 1 "$LOG")" >&2
        rm -f "$PIDFILE"
        return 1
    fi
    echo "neo4j: Bolt did not answer RETURN 1 on bolt://127.0.0.1:$BOLT_PORT within $timeout s (log $LOG)" >&2
    stop >/dev/null 2>&1 || true
    return 1
}

stop() { stop_server 60; }  # the JVM's shutdown hook stops the DBMS cleanly (Bolt takes ~5 s to close)

case "${1:-}" in
    build) build ;;
    start|stop|restart|status|health|env) server_verb "$1" ;;
    admin) shift; mkdir -p "$HOME_DIR/conf"; touch "$HOME_DIR/conf/neo4j.conf"; _java org.neo4j.cli.AdminTool "$@" ;;
    _run) shift; _java "$@" ;;  # internal: the JVM that `start` backgrounds (exec keeps its pid)
    *) echo "usage: $0 build|start|stop|restart|status|health|env|admin ARGS..." >&2; exit 2 ;;
esac

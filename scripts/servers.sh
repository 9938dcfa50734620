# Shell functions shared by scripts/neo4j.sh, scripts/falkordb.sh and scripts/jena.sh (sourced, not run).
#
# maven_build NAME PROJECT   build a Maven project (one Java class + its jars) once: again only when
#                            pom.xml or src/ is newer than PROJECT/target/classpath.txt
# For a server script that has set NAME, PIDFILE, BOLT_PORT and defined _health:
#   _pid, _alive             the recorded pid; whether it is running
#   wait_ready SECONDS LINE  until the process has logged LINE to $LOG and _health passes: 0 ready,
#                            1 it exited, 2 not ready in time (a pidfile not written yet is no exit)
#   stop_server SECONDS      SIGTERM, wait up to SECONDS, then SIGKILL; forget the pid
#   server_status            running and healthy (0), or not (1)
#   server_verb VERB         the verbs both Bolt servers share (start|stop|restart|status|health|env),
#                            run with the script's own start, stop and _health

maven_build() {
    local name="$1" project="$2"
    local cp="$project/target/classpath.txt"
    if [[ -f "$cp" && -z "$(find "$project/pom.xml" "$project/src" -newer "$cp" -type f 2>/dev/null)" ]]; then
        return 0
    fi
    command -v java >/dev/null || { echo "$name.sh: java not found (Java 17 needed)" >&2; exit 3; }
    command -v mvn >/dev/null || { echo "$name.sh: mvn not found (Maven needed to build $project)" >&2; exit 3; }
    if ! mvn -q -B -f "$project/pom.xml" package >"$project/build.log" 2>&1; then
        echo "$name.sh: building $project failed; see $project/build.log" >&2
        tail -n 5 "$project/build.log" >&2 || true
        exit 3
    fi
    touch "$cp"
}

_pid() { [[ -f "$PIDFILE" ]] && cat "$PIDFILE" 2>/dev/null || true; }

_alive() {
    local pid; pid="$(_pid)"
    [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null
}

wait_ready() {
    local seconds="$1" line="$2"
    for _ in $(seq 1 $((seconds * 4))); do
        if [[ -s "$PIDFILE" ]]; then
            _alive || return 1
            if grep -q "$line" "$LOG" && _health 2>/dev/null; then return 0; fi
        fi
        sleep 0.25
    done
    return 2
}

stop_server() {
    local seconds="$1" pid; pid="$(_pid)"
    if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
        kill "$pid"
        for _ in $(seq 1 $((seconds * 4))); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
        kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
        echo "$NAME: stopped (pid $pid)"
    else
        echo "$NAME: not running"
    fi
    rm -f "$PIDFILE"
}

server_status() {
    if _alive; then
        if _health; then echo "$NAME: running (pid $(_pid), bolt://127.0.0.1:$BOLT_PORT)"; return 0; fi
        echo "$NAME: process $(_pid) alive but Bolt unhealthy" >&2; return 1
    fi
    echo "$NAME: not running"; return 1
}

server_verb() {
    case "$1" in
        start) start ;;
        stop) stop ;;
        restart) stop; start ;;
        status) server_status ;;
        health) _health ;;
        env) echo "NEO4J_URI=bolt://127.0.0.1:$BOLT_PORT" ;;
    esac
}

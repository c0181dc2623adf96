#!/usr/bin/env bash
# The whole test suite, as `npm test` runs it: type-check, build the dashboard, run every test on
# SQLite, then every store and HTTP test again on PostgreSQL (each server gets its own database).
# In CI (CI=true) a missing PostgreSQL fails the run; elsewhere the second pass is skipped, saying so.
# Last, every server log of both passes is scanned for the credentials the tests handled.
set -euo pipefail
cd "$(dirname "$0")/.."

npm run typecheck --silent
# The code is as prettier writes it (.prettierrc.json; .prettierignore keeps prose and deploy files
# as written): `npm run format` fixes what this refuses.
if ! npm run format:check --silent; then
  echo "== formatting differs from prettier in the files above: run npm run format" >&2
  exit 1
fi
npm run build:web --silent

# Log scan, part 1 of 2: every test server logs at trace level into this directory,
# and the tests note every credential they send or receive (test/helpers/log-capture.ts).
# Set GATEHOUSE_TEST_LOG_DIR to keep them somewhere of your own; otherwise they are removed after a clean scan.
if [ -z "${GATEHOUSE_TEST_LOG_DIR:-}" ]; then
  GATEHOUSE_TEST_LOG_DIR=$(mktemp -d -t gatehouse-test-logs.XXXXXX)
  remove_logs=1
fi
export GATEHOUSE_TEST_LOG_DIR

all=$(find test -name '*.test.ts' | sort)
echo "== SQLite: $(echo "$all" | wc -l) test files"
# shellcheck disable=SC2086
node --import tsx --test --test-concurrency=2 --test-reporter=spec $all

# GATEHOUSE_TEST_PASSES=sqlite stops here (then scans the logs): CI runs that on the other supported
# Node versions, where the whole PostgreSQL pass again would take too long for what it adds.
if [ "${GATEHOUSE_TEST_PASSES:-all}" = sqlite ]; then
  node --import tsx scripts/scan-test-logs.ts "$GATEHOUSE_TEST_LOG_DIR"
  if [ "${remove_logs:-}" = 1 ]; then rm -rf "$GATEHOUSE_TEST_LOG_DIR"; fi
  exit 0
fi

# Browser tests and the multi-node test (which makes its own databases) need not run twice;
# nor do tests of pure functions and of the error registry; nor the tests of `serve` and CLI
# processes that choose their store themselves (SQLite, or a PostgreSQL database of their own).
pg_files=$(echo "$all" | grep -v -e '^test/e2e/' -e '^test/multi-node' -e '^test/errors' -e '^test/parsers.property' \
  -e '^test/config-errors' -e '^test/deploy' -e '^test/port-zero' -e '^test/shutdown' -e '^test/site-keys' -e '^test/backup')
set +e
reason=$(node --import tsx test/helpers/postgres-check.ts)
rc=$?
set -e
case $rc in
  0)
    echo "== PostgreSQL: $(echo "$pg_files" | wc -l) test files"
    # shellcheck disable=SC2086
    GATEHOUSE_TEST_DATABASE=postgres node --import tsx --test --test-concurrency=2 --test-reporter=spec $pg_files
    ;;
  1) echo "== PostgreSQL pass skipped: $reason" ;;
  *) echo "== PostgreSQL is required here: $reason" >&2; exit 1 ;;
esac

# Log scan, part 2 of 2: no credential any test handled appears in any server log of either pass.
node --import tsx scripts/scan-test-logs.ts "$GATEHOUSE_TEST_LOG_DIR"
if [ "${remove_logs:-}" = 1 ]; then rm -rf "$GATEHOUSE_TEST_LOG_DIR"; fi

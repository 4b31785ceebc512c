#!/usr/bin/env bash
# Set up everything and run the project's whole test suite, real vLLM included.
# Extra arguments go to pytest. Exit status: pytest's, except 5 (no tests ran) counts as failure
# of this script only when tests were expected: it is reported and turned into 1.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh || exit 1
export AISBENCH_DATASETS_DIR="${AISBENCH_DATASETS_DIR:-$(cd .. && pwd)/shared/datasets}"
export AISBENCH_REQUIRE_REAL="${AISBENCH_REQUIRE_REAL:-1}"   # real-server tests fail, not skip
.venv/bin/python -m pytest "$@"
rc=$?
if [ "$rc" -eq 5 ]; then
  echo "scripts/test.sh: pytest collected no tests (exit 5)" >&2
  rc=1
fi
exit "$rc"

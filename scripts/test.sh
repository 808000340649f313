#!/usr/bin/env bash
# Everything `make test` checks, in order from fast to slow. Expects `make train` to have run.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p var
export RASA_TELEMETRY_ENABLED=false  # nothing leaves this machine

step() { printf '\n== %s\n' "$1"; }
run_logged() {  # run a noisy command; show its log only when it fails
  local log=$1; shift
  if ! "$@" >"$log" 2>&1; then
    tail -n 40 "$log"
    echo "FAILED: $* (full log: $log)" >&2
    exit 1
  fi
}

step "system packages (PostgreSQL, Chromium)"
bash scripts/system-deps.sh

step "pip check"
.venv/bin/pip check

step "settings.yml"
.venv/bin/python -m bot.settings

step "rasa data validate --fail-on-warnings"
run_logged var/validate.log .venv/bin/rasa data validate --fail-on-warnings
echo "data and domain are consistent"

step "rasa test core: test stories (tests/stories)"
run_logged var/test-core.log .venv/bin/rasa test core --stories tests/stories \
  --fail-on-prediction-errors --out var/test-results -m models/veilig-thuis.tar.gz
grep -h "Correct:" var/test-core.log | tail -n 1

step "pytest: unit, actions, held-out NLU set, end-to-end over HTTP"
.venv/bin/python -m pytest -p no:cacheprovider -q --durations=15

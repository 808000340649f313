#!/usr/bin/env bash
# Chat with the bot in this terminal (starts its own action server on port 5055).
set -euo pipefail
cd "$(dirname "$0")/.."
export RASA_TELEMETRY_ENABLED=false  # nothing leaves this machine
. scripts/secrets.sh
private_var
prepare_secrets
.venv/bin/python -m bot.endpoints var/endpoints.yml  # tracker store from the database URL
.venv/bin/python -m bot.db
.venv/bin/python -m bot.action_server --port 5055 >var/actions.log 2>&1 &
actions_pid=$!
trap 'kill $actions_pid 2>/dev/null || true' EXIT INT TERM
.venv/bin/rasa shell -m models/veilig-thuis.tar.gz --endpoints var/endpoints.yml

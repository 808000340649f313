#!/usr/bin/env bash
# Start the action server (port 5055) and the Rasa server (port 5005) on the embedded defaults:
# SQLite tracker store under var/, one process each. Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
export RASA_TELEMETRY_ENABLED=false  # nothing leaves this machine
mkdir -p var

.venv/bin/python -m bot.settings  # a bad settings.yml stops here with a clear message

.venv/bin/rasa run actions --port 5055 >var/actions.log 2>&1 &
actions_pid=$!
trap 'kill $actions_pid 2>/dev/null || true' EXIT INT TERM

cat <<'MSG'

  Veilig Thuis chat assistant is starting (model load takes about 20 seconds).

  Talk to it:
    - REST:      curl -s localhost:5005/webhooks/rest/webhook \
                   -d '{"sender": "demo", "message": "ik hoor elke avond gegil bij de buren"}'
    - terminal:  make shell   (in another terminal)
    - socket.io: ws://localhost:5005/socket.io (event user_uttered)
  Logs: var/actions.log (action server), this terminal (Rasa server). Ctrl-C stops both.

MSG
.venv/bin/rasa run --enable-api --port 5005 -m models/veilig-thuis.tar.gz --endpoints endpoints.yml \
  --credentials credentials.yml --cors "*"

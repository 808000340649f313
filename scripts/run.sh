#!/usr/bin/env bash
# Start everything on the embedded defaults (SQLite under var/, one process each): the action
# server (5055), the counsellor console with its handoff worker (5080), the website with the
# chat widget (8000) and the Rasa server (5005). Ctrl-C stops them all.
set -euo pipefail
cd "$(dirname "$0")/.."
export RASA_TELEMETRY_ENABLED=false  # nothing leaves this machine
mkdir -p var
# Settings and secrets may come from a local .env file (see .env.example; never committed).
if [ -f .env ]; then set -a; . ./.env; set +a; fi

.venv/bin/python -m bot.settings  # a bad settings.yml stops here with a clear message

# The Rasa HTTP API token, shared by Rasa and the console: VT_RASA_TOKEN, else one made once
# for this machine in var/rasa_token (readable by this user only; never committed).
if [ -z "${VT_RASA_TOKEN:-}" ]; then
  if [ ! -s var/rasa_token ]; then
    (umask 077 && .venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(32))' >var/rasa_token)
  fi
  VT_RASA_TOKEN=$(cat var/rasa_token)
  export VT_RASA_TOKEN
fi
# Rasa's endpoints from the one database URL (settings.yml, or VT_DATABASE_URL).
.venv/bin/python -m bot.endpoints var/endpoints.yml

# Messaging channels (Telegram, WhatsApp through Twilio) are off unless configured. Phone
# numbers and chat ids become pseudonyms with VT_CHANNEL_KEY, else a key made once for this
# machine in var/channel_key.
if [ -z "${VT_CHANNEL_KEY:-}" ]; then
  if [ ! -s var/channel_key ]; then
    (umask 077 && .venv/bin/python -c 'from bot.channels.pseudonym import new_key; print(new_key())' >var/channel_key)
  fi
  VT_CHANNEL_KEY=$(cat var/channel_key)
  export VT_CHANNEL_KEY
fi
.venv/bin/python -m bot.channels.config var/credentials.yml credentials.yml

pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true' EXIT INT TERM
.venv/bin/rasa run actions --port 5055 >var/actions.log 2>&1 &
pids+=($!)
.venv/bin/python -m bot.console >var/console.log 2>&1 &
pids+=($!)
.venv/bin/python -m bot.site >var/site.log 2>&1 &
pids+=($!)

accounts=$(.venv/bin/python -m bot.console.manage list | wc -l)
cat <<MSG

  Veilig Thuis chat assistant is starting (model load takes about 20 seconds).

  Open the website with the chat widget: http://localhost:8000/
  Talk to it in other ways:
    - REST:      curl -s localhost:5005/webhooks/rest/webhook \\
                   -d '{"sender": "demo", "message": "ik hoor elke avond gegil bij de buren"}'
    - terminal:  make shell   (in another terminal)
    - socket.io: ws://localhost:5005/socket.io (event user_uttered)
  Telegram/WhatsApp: see "Messaging channels" in the README (off unless configured).
  Counsellor console: http://localhost:5080/  (${accounts} account(s); add one with
    make counsellor LOGIN=anna NAME=Anna   in another terminal)
  Try a handoff outside opening hours: VT_FAKE_NOW=2026-11-30T10:00:00+01:00 make run
  Logs: var/actions.log, var/console.log, var/site.log, and this terminal (Rasa server).
  Ctrl-C stops all.

MSG
.venv/bin/rasa run --enable-api --auth-token "$VT_RASA_TOKEN" --interface 127.0.0.1 --port 5005 \
  -m models/veilig-thuis.tar.gz --endpoints var/endpoints.yml --credentials var/credentials.yml \
  --cors "*"

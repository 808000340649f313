#!/usr/bin/env bash
# Start everything on the embedded defaults (SQLite under var/, one process each): the action
# server (5055), the counsellor console with its handoff worker (5080), the website with the
# chat widget (8000) and the Rasa server (5005), under supervisord (deploy/supervisord.conf),
# which restarts a service that died. Ctrl-C stops them all.
set -euo pipefail
cd "$(dirname "$0")/.."
export RASA_TELEMETRY_ENABLED=false  # nothing leaves this machine
. scripts/secrets.sh  # VT_VAR: where the database, secrets and logs live (default var/)
private_var
# Settings and secrets may come from a local .env file (see .env.example; never committed).
if [ -f .env ]; then set -a; . ./.env; set +a; fi

.venv/bin/python -m bot.settings  # a bad settings.yml stops here with a clear message
prepare_secrets
# Rasa's endpoints from the one database URL (settings.yml, or VT_DATABASE_URL), the database
# itself on a first start, and the channels (Telegram and WhatsApp are off unless configured).
export VT_ROOT=$PWD
export VT_RASA_PORT=${VT_RASA_PORT:-5005} VT_ACTION_PORT=${VT_ACTION_PORT:-5055}
export VT_ACTION_URL=${VT_ACTION_URL:-http://127.0.0.1:$VT_ACTION_PORT/webhook}
.venv/bin/python -m bot.endpoints "$VT_VAR/endpoints.yml"
.venv/bin/python -m bot.db
.venv/bin/python -m bot.channels.config "$VT_VAR/credentials.yml" credentials.yml

accounts=$(.venv/bin/python -m bot.console.manage list | wc -l)
cat <<MSG

  Veilig Thuis chat assistant is starting (model load takes about 20 seconds).

  Open the website with the chat widget: http://localhost:8000/
  Talk to it in other ways:
    - REST:      curl -s localhost:$VT_RASA_PORT/webhooks/rest/webhook \\
                   -d '{"sender": "demo", "message": "ik hoor elke avond gegil bij de buren"}'
    - terminal:  make shell   (in another terminal)
  Telegram/WhatsApp: see "Messaging channels" in the README (off unless configured).
  Counsellor console: http://localhost:5080/  (${accounts} account(s); add one with
    make counsellor LOGIN=anna NAME=Anna   in another terminal)
  Try a handoff outside opening hours: VT_FAKE_NOW=2026-11-30T10:00:00+01:00 make run
  Logs in $VT_VAR: rasa.log, actions.log, console.log, site.log; a service that stops
  is started again (supervisord.log says when). Ctrl-C stops all.

MSG
exec .venv/bin/supervisord -c deploy/supervisord.conf

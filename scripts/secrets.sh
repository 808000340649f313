# Sourced by run.sh and shell.sh: the secrets the services share, from the environment or, once
# per machine, made in $VT_VAR (default var/; readable by this user only; never committed).
VT_VAR=${VT_VAR:-$PWD/var}
export VT_VAR
# machine_secret NAME FILE PYTHON-EXPRESSION: export NAME, from the environment or from FILE,
# which is made from the expression the first time.
machine_secret() {
  local name=$1 file=$2 expression=$3
  if [ -z "${!name:-}" ]; then
    if [ ! -s "$file" ]; then
      (umask 077 && .venv/bin/python -c "$expression" >"$file")
    fi
    export "$name=$(cat "$file")"
  fi
}

prepare_secrets() {
  local token='import secrets; print(secrets.token_urlsafe(32))'
  # The Rasa HTTP API token (Rasa and the console).
  machine_secret VT_RASA_TOKEN "$VT_VAR/rasa_token" "$token"
  # What Rasa shows the action server (only Rasa may run actions).
  machine_secret VT_ACTION_TOKEN "$VT_VAR/action_token" "$token"
  # The key of the website's chat session tokens (the website and Rasa's socket.io channel).
  machine_secret VT_SOCKET_KEY "$VT_VAR/socket_key" \
    'from bot.channels.session_token import new_key; print(new_key())'
  # Phone numbers and chat ids become pseudonyms with this key (Telegram, WhatsApp).
  machine_secret VT_CHANNEL_KEY "$VT_VAR/channel_key" \
    'from bot.channels.pseudonym import new_key; print(new_key())'
}

# $VT_VAR holds the database, the secrets and the logs: this user only.
private_var() {
  mkdir -p "$VT_VAR"
  chmod 700 "$VT_VAR"
  umask 077
}

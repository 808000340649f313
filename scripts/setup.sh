#!/usr/bin/env bash
# Create .venv with Python 3.10, install the pinned dependencies, prepare the spaCy pipeline.
# Safe to run again: it only reinstalls when requirements.txt changed.
set -euo pipefail
cd "$(dirname "$0")/.."

find_python310() {
  local candidates=(python3.10)
  if command -v pyenv >/dev/null 2>&1; then
    for dir in "$(pyenv root)"/versions/3.10.*; do
      [ -x "$dir/bin/python3.10" ] && candidates+=("$dir/bin/python3.10")
    done
  fi
  for candidate in "${candidates[@]}"; do
    if "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))' >/dev/null 2>&1; then
      echo "$candidate"
      return 0
    fi
  done
  return 1
}

if [ ! -x .venv/bin/python ] || ! .venv/bin/python -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))'; then
  if ! PYTHON=$(find_python310); then
    echo "Python 3.10 is needed (Rasa 3.6 supports 3.8-3.10 only) and none was found." >&2
    echo "Install it, e.g. 'pyenv install 3.10' or 'sudo apt-get install python3.10 python3.10-venv'." >&2
    exit 1
  fi
  echo "Creating .venv with $PYTHON"
  rm -rf .venv
  "$PYTHON" -m venv .venv
  .venv/bin/pip install --quiet --upgrade "pip<24.1" "setuptools<70" wheel
fi

stamp=.venv/.requirements.sha256
wanted=$(sha256sum requirements.txt | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
  echo "Installing dependencies (a few minutes the first time)"
  .venv/bin/pip install --quiet -r requirements.txt
  echo "$wanted" > "$stamp"
fi
.venv/bin/pip check

# The full Dutch model comes from GitHub releases, not the package index. Try it briefly;
# without it the fallback pipeline is used (see README).
if ! .venv/bin/python -c 'import nl_core_news_sm' >/dev/null 2>&1 && [ ! -f var/.spacy_download_tried ]; then
  mkdir -p var
  echo "Trying to download nl_core_news_sm (at most 60 s)"
  PIP_DEFAULT_TIMEOUT=10 PIP_RETRIES=0 timeout 60 .venv/bin/python -m spacy download nl_core_news_sm \
    >/dev/null 2>&1 || echo "nl_core_news_sm not available here; using the fallback pipeline."
  touch var/.spacy_download_tried
fi
mkdir -p var
.venv/bin/python scripts/prepare_spacy.py --target var/spacy_nl 2>/dev/null

# The website widget's browser dependencies (socket.io-client) from the npm registry, into
# web/node_modules (never committed; the page serves them itself, no CDN).
web_stamp=web/node_modules/.package-lock.sha256
web_wanted=$(sha256sum web/package-lock.json | cut -d' ' -f1)
if [ "$(cat "$web_stamp" 2>/dev/null)" != "$web_wanted" ]; then
  if ! command -v npm >/dev/null 2>&1; then
    echo "npm (Node.js 18 or newer) is needed for the website widget: apt-get install nodejs npm" >&2
    exit 1
  fi
  echo "Installing the widget's npm packages"
  npm ci --prefix web --no-audit --no-fund --loglevel=error
  echo "$web_wanted" > "$web_stamp"
fi

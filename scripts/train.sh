#!/usr/bin/env bash
# Train models/veilig-thuis.tar.gz when anything that shapes the model changed since the last
# training (data, domain, config, the triage code, the spaCy pipeline). `--force` always trains.
set -euo pipefail
cd "$(dirname "$0")/.."
export RASA_TELEMETRY_ENABLED=false  # nothing leaves this machine

inputs_hash() {
  find config.yml domain.yml data components bot/triage.py bot/answers.py bot/details.py bot/acute_cues.py bot/language.py bot/nlu_text.py bot/embeddings.py \
       var/spacy_nl/SOURCE -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -d' ' -f1
}

model=models/veilig-thuis.tar.gz
stamp=models/.inputs.sha256
wanted=$(inputs_hash)
if [ "${1:-}" != "--force" ] && [ -f "$model" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$wanted" ]; then
  echo "Model is up to date: $model"
  exit 0
fi
mkdir -p models
echo "Training $model (6 to 15 minutes from scratch, 3 to 8.5 with the embeddings of a training before)"
start=$(date +%s)
.venv/bin/rasa train --force --fixed-model-name veilig-thuis --out models >var/train.log 2>&1 || {
  echo "Training failed; the last lines of var/train.log:" >&2
  tail -n 30 var/train.log >&2
  exit 1
}
echo "$wanted" > "$stamp"
echo "Trained in $(( $(date +%s) - start )) s: $model"

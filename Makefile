# Veilig Thuis chat assistant. `make help` lists the targets; the README explains them.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: help setup system-deps train run shell test evaluate bench counsellor purge check-settings clean

help:  ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-15s %s\n", $$1, $$2}'

setup:  ## Create .venv (Python 3.10), install pinned dependencies, prepare the Dutch spaCy pipeline
	@bash scripts/setup.sh

system-deps:  ## Install Debian packages the tests need: PostgreSQL, Chromium
	@bash scripts/system-deps.sh

train: setup  ## Train the model when data, domain, config or triage code changed
	@bash scripts/train.sh

run: train  ## Start actions (5055), console (5080), website (8000) and Rasa (5005) under supervisord, on SQLite; Ctrl-C stops
	@bash scripts/run.sh

shell: train  ## Chat with the bot in this terminal
	@bash scripts/shell.sh

test: system-deps train  ## Everything that can be checked automatically (see README)
	@bash scripts/test.sh

evaluate: train  ## Triage figures on every labelled set (tests/nlu/sets.yml); every file of test conversations, with its floors (docs/dialogue.md)
	@failed=0; $(PY) scripts/evaluate.py --json var/evaluation.json || failed=1; \
	$(PY) scripts/evaluate_dialogues.py || failed=1; exit $$failed

bench: train  ## Speed and memory: the bot against Rasa's starter bot, the console, the channels, hostile load (docs figures)
	@$(PY) scripts/bench.py
	@$(PY) scripts/bench_console.py --json var/bench_console.json
	@$(PY) scripts/bench_channels.py
	@$(PY) scripts/bench_hostile.py

counsellor: setup  ## Add a counsellor account: make counsellor LOGIN=anna NAME=Anna [TEAM_LEAD=1]
	@test -n "$(LOGIN)" -a -n "$(NAME)" || { echo "usage: make counsellor LOGIN=anna NAME=Anna [TEAM_LEAD=1]"; exit 2; }
	@$(PY) -m bot.console.manage add "$(LOGIN)" --name "$(NAME)" $(if $(TEAM_LEAD),--team-lead)

purge: setup  ## Delete now what settings.yml `retention:` no longer allows (the console also does it every 15 minutes)
	@$(PY) -m bot.retention

check-settings: setup  ## Check settings.yml (opening hours, holidays) and say what it means
	@$(PY) -m bot.settings

clean:  ## Remove trained models and local data under var/ (keeps .venv)
	rm -rf models var results .pytest_cache

# Alpha Support Bot. `make run` and `make test` are the two commands; both set up
# everything they need (Python 3.10 venv, dependencies, trained model) on the way.
SHELL := /bin/sh
VENV ?= .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
export RASA_TELEMETRY_ENABLED ?= false
export TF_CPP_MIN_LOG_LEVEL ?= 2
RESULTS ?= var/results

.PHONY: help venv train run shell chat sandbox test test-python test-rasa validate lint lint-content bench bench-kb bench-signals bench-nlu bench-serving format clean

help:
	@echo "make run      set up, train if needed, run the bot (gateway on 127.0.0.1:8000)"
	@echo "make shell    chat with the bot in the terminal (starts it if it is not running)"
	@echo "make sandbox  try Telegram and Slack on local stand-in servers (no tokens, offline)"
	@echo "make test     set up, train if needed, run the whole test suite"
	@echo "make lint     ruff and mypy on our code"
	@echo "make lint-content  check knowledge_base/ entries and the Rasa data (file:line)"
	@echo "make train    train the Rasa model if its inputs changed"
	@echo "make bench-kb knowledge-base benchmark (hit@1/hit@3, off-topic, latency)"
	@echo "make bench-signals frustration/complexity detector (F1, public sets, speed)"
	@echo "make bench-nlu   Banking77 intents and CLINC150 out-of-scope, ours vs Rasa's default"
	@echo "make bench-serving  latency, throughput, memory, start-up: ours vs stock rasa init"
	@echo "make bench       all four benchmarks"

venv:
	@scripts/setup-venv

train: venv
	@$(BIN)/supportbot train

run: venv
	@$(BIN)/supportbot run

shell chat: venv
	@$(BIN)/supportbot chat

sandbox: venv
	@$(BIN)/supportbot sandbox

validate: venv
	$(BIN)/supportbot lint

lint-content: validate

bench-kb: venv
	$(PY) benchmarks/kb_bench.py

bench-signals: venv
	$(PY) benchmarks/signals_bench.py

bench-nlu: venv
	$(PY) benchmarks/nlu_bench.py

bench-serving: venv
	$(PY) benchmarks/serving_bench.py

bench: bench-kb bench-signals bench-nlu bench-serving

# Conversation tests: every user message's intent and every bot action must match.
test-rasa: train
	$(BIN)/rasa test core --stories tests/conversations --model "$$($(BIN)/supportbot model-path)" \
		--endpoints tests/conversations/endpoints.yml --fail-on-prediction-errors --out $(RESULTS)/conversations

test-python: train
	$(BIN)/pytest -q

test: lint validate test-rasa test-python
	@echo "all tests passed"

lint: venv
	$(BIN)/ruff check bot actions handoff tests benchmarks
	$(BIN)/ruff format --check bot actions handoff tests benchmarks
	$(BIN)/mypy

format: venv
	$(BIN)/ruff format bot actions handoff tests benchmarks
	$(BIN)/ruff check --fix bot actions handoff tests benchmarks

clean:
	rm -rf var models results .pytest_cache .mypy_cache .ruff_cache

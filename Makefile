# Everything a fresh machine needs: `make run` and `make test`.
include .env

PY        ?= python3
VENV      := .venv
BIN       := $(VENV)/bin
STAMP     := $(VENV)/.installed
HOST      ?= 127.0.0.1
PORT      ?= 8000
export LEAD_ES_URL ?= http://127.0.0.1:9200
SHARED    ?= ../shared/data

.PHONY: help install translations messages browser es-up es-down es-status cluster-up cluster-down cluster-status seed \
        load-ct load-real run serve test test-cluster eval eval-ct bench load clean

help:
	@echo "make run      install, start Elasticsearch, load seed_data/, serve on http://$(HOST):$(PORT)"
	@echo "make test     install, start Elasticsearch, run the whole suite, then the 3-node failover test"
	@echo "make es-up / es-down   start / stop the local Elasticsearch $(ES_VERSION)"
	@echo "make load-real  rebuild a real directory: the CT federal facility lists, no sample listing"
	@echo "make load-ct  rebuild from seed_data/ (sample) plus the CT federal facility lists"
	@echo "make eval     score matching on the labelled seed scenarios"
	@echo "make eval-ct  score matching on the real CT lists against labels written from the source rows"
	@echo "make bench    ingest and latency benchmarks (10k, 100k, 1M synthetic; its own node)"
	@echo "make load     locust at rising concurrency against gunicorn on the seed + CT lists (its own node)"
	@echo "make cluster-up / cluster-down   a 3-node cluster on 127.0.0.1:9250-9252"
	@echo "make test-cluster   kill a node of that cluster under reads and capacity writes"

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# The Spanish catalogue (.po, committed) compiled for the pages (.mo, git-ignored).
translations: $(STAMP)
	$(BIN)/pybabel -q compile -d api/translations

# After changing page strings: refresh the catalogue, then write the new Spanish in the .po.
messages: $(STAMP)
	mkdir -p .cache
	$(BIN)/pybabel -q extract -F babel.cfg -k _l -k lazy_gettext --no-location --sort-output -o .cache/messages.pot .
	$(BIN)/pybabel -q update -i .cache/messages.pot -d api/translations --width 120 --ignore-obsolete

# Debian's Chromium for the browser tests (installed with apt-get when missing).
browser:
	scripts/browser.sh

PERF := $(VENV)/.perf-installed
$(PERF): $(STAMP)
	$(BIN)/pip install -q -e '.[dev,perf]'
	touch $(PERF)

es-up: $(STAMP)
	scripts/es-local.sh up

es-down:
	scripts/es-local.sh down

es-status:
	scripts/es-local.sh status

cluster-up: $(STAMP)
	scripts/es-cluster.sh up

cluster-down:
	scripts/es-cluster.sh down

cluster-status:
	scripts/es-cluster.sh status

seed: es-up
	$(BIN)/lead ingest run seed:seed_data

load-ct: es-up
	$(BIN)/lead ingest run --samples seed:seed_data federal:$(SHARED)/facilities/ct

# A real directory: the Connecticut federal lists and no sample listing.
load-real: es-up
	$(BIN)/lead ingest run federal:$(SHARED)/facilities/ct

run: seed translations
	$(BIN)/lead users demo
	@echo "Pages (sign in with the demo accounts above):"
	@echo "  http://$(HOST):$(PORT)/login      sign in (any role)"
	@echo "  http://$(HOST):$(PORT)/match      case manager: find services for a participant"
	@echo "  http://$(HOST):$(PORT)/nearby     officer: nearby now"
	@echo "  http://$(HOST):$(PORT)/provider   provider: my listings, beds, edits"
	@echo "  http://$(HOST):$(PORT)/referrals  case manager, officer: referrals sent and every change"
	@echo "  http://$(HOST):$(PORT)/provider/referrals   provider: incoming referrals, accept or decline"
	@echo "  http://$(HOST):$(PORT)/suggest    provider: suggest a correction to another listing"
	@echo "  http://$(HOST):$(PORT)/admin      admin: accounts, organisations, ingest runs, suggestions, audit"
	@echo "  http://$(HOST):$(PORT)/api/openapi.json   the JSON API"
	@# One session key for both workers (new each run, like the demo passwords), request lines long
	@# enough that an over-long query reaches the app (which answers it with problem+json), and an access
	@# log of paths only (api/access_log.py: no query strings, no credentials).
	LEAD_SECRET_KEY="$${LEAD_SECRET_KEY:-$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(32))')}" \
	$(BIN)/gunicorn --bind $(HOST):$(PORT) --workers 2 --threads 4 --limit-request-line 8190 \
	  --logger-class api.access_log.PrivateAccessLogger --access-logfile - 'api.app:create_app()'

serve: translations
	$(BIN)/flask --app api.app:create_app run --host $(HOST) --port $(PORT) --debug

# The whole suite, then the failover test on a 3-node cluster of its own (started here, stopped after it,
# pass or fail, so CI's machine gets its memory back).
test: es-up translations browser
	$(BIN)/lint-imports
	$(BIN)/pytest -m "not cluster"
	$(MAKE) test-cluster; status=$$?; scripts/es-cluster.sh down; exit $$status

test-cluster: cluster-up
	$(BIN)/pytest -m cluster -s

eval: seed
	$(BIN)/python -m bench.evaluate

eval-ct: es-up
	$(BIN)/python -m bench.evaluate_ct

# Both start a node of their own (9258 and 9257), never load the shared one, and stop it afterwards.
bench: $(PERF)
	$(BIN)/python -m bench.run

load: $(PERF)
	$(BIN)/python -m bench.load

clean: es-down cluster-down
	rm -rf $(VENV) .cache

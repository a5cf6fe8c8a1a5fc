# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
NODE_STAMP := node_modules/.installed-$(shell cksum package-lock.json | cut -d' ' -f1)

.PHONY: run test lint bench docs install messages

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@rm -f $(VENV)/.installed-*
	@touch $@

# Front-end packages (htmx, axe-core) from the npm registry, exactly as locked.
$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@rm -f node_modules/.installed-*
	@touch $@

install: $(STAMP) $(NODE_STAMP)

run: $(STAMP) $(NODE_STAMP)
	$(BIN)/kuvert migrate
	$(BIN)/kuvert demo
	@echo
	@echo "Kuvert kører på http://127.0.0.1:$${KUVERT_PORT:-8000}  (stop med Ctrl+C)"
	@echo "  API-token til demoteamet:  $$(cat var/demo-token.txt 2>/dev/null || echo 'se var/demo-token.txt')"
	@echo "  Prøv:  curl -H \"Authorization: Bearer $$(cat var/demo-token.txt 2>/dev/null)\" http://127.0.0.1:$${KUVERT_PORT:-8000}/api/v1/cases"
	@echo "  Log ind i browseren:  http://127.0.0.1:$${KUVERT_PORT:-8000}/login  med  demo / kuvert-demo"
	@echo "  API-beskrivelse:  http://127.0.0.1:$${KUVERT_PORT:-8000}/docs  (ReDoc: /redoc, skema: /openapi.json)"
	@echo
	$(BIN)/kuvert serve

test: $(STAMP) $(NODE_STAMP)
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check app tests bench migrations
	$(BIN)/mypy

# wrk (the HTTP load generator) and graphviz (neato, the renderer's yardstick) come from
# Debian's packages; without wrk the bench falls back to a Python client and says so.
bench: $(STAMP)
	@command -v wrk >/dev/null 2>&1 && command -v neato >/dev/null 2>&1 || \
	  { SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	    $$SUDO apt-get install -y -q wrk graphviz >/dev/null 2>&1 || \
	    { $$SUDO apt-get update -q >/dev/null 2>&1 && \
	      $$SUDO apt-get install -y -q wrk graphviz >/dev/null 2>&1; } || \
	    echo "WARNING: could not install wrk/graphviz; the bench falls back to a Python client"; }
	$(BIN)/python bench/run.py

# The envelopes shown in the README, drawn by the project's own renderer.
docs: $(STAMP)
	$(BIN)/python -c "from app.config import get_settings; from app.diagram import envelope_svg; \
	from app.graph.examples import claus_foer, claus_nu; \
	[open(f'docs/{n}.svg', 'w', encoding='utf-8').write(envelope_svg(f(), get_settings())) \
	 for n, f in (('claus-foer', claus_foer), ('claus-nu', claus_nu))]"

# Collect the UI's texts and merge them into the English catalogue (translate the new ones).
# N_ marks a text, NC_(context, text) one whose msgid also means something else elsewhere;
# pgettext (a Babel default, named to be sure) says such a text where it is shown.
messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k N_ -k NC_:1c,2 -k pgettext:1c,2 \
	  --no-location --sort-output \
	  -o app/locales/messages.pot .
	@# The warnings' descriptions live in the pure library, which calls no gettext.
	$(BIN)/python -c "from babel.messages.pofile import read_po, write_po; \
	from app.graph.analyse import WARNING_CODES as W; p = 'app/locales/messages.pot'; \
	c = read_po(open(p, 'rb')); [c.add(t, auto_comments=['warning ' + k]) for k, t in W.items()]; \
	write_po(open(p, 'wb'), c, sort_output=True, omit_header=False)"
	@if [ -f app/locales/en/LC_MESSAGES/messages.po ]; then \
	  $(BIN)/pybabel update -N --ignore-obsolete -i app/locales/messages.pot -d app/locales -l en; \
	else $(BIN)/pybabel init -i app/locales/messages.pot -d app/locales -l en; fi

# Lihui — the two commands are `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000

.PHONY: run test test-shifted lint bench messages lock browser-deps test-deps clean backup

$(VENV)/.installed: requirements.lock
	@bin/build-deps
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.lock
	@touch $@

# umask 077: the database, uploads and backups they create are readable by this user only.
run: $(VENV)/.installed
	umask 077; $(PY) manage.py migrate --noinput
	umask 077; $(PY) manage.py demo --quiet-if-present
	PORT=$(PORT) bin/serve

test: $(VENV)/.installed browser-deps test-deps
	$(VENV)/bin/pytest -n 2

# The suite with the clock shifted to a random moment in the next five years (AT=2029-03-25T00:58:00Z replays one).
test-shifted: $(VENV)/.installed browser-deps test-deps
	bin/test-shifted $(AT)

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports

browser-deps:
	@bin/browser-deps

# slapd and ldap-utils for the LDAP tests (a real OpenLDAP on loopback).
test-deps:
	@bin/test-deps

# Database + uploaded files + manifest into var/backups (safe while `make run` runs); restore: manage.py restore PATH.
backup: $(VENV)/.installed
	umask 077; $(PY) manage.py backup $(if $(OUT),--output $(OUT))

bench: $(VENV)/.installed
	$(PY) bench/run.py

messages: $(VENV)/.installed
	bin/messages

lock:
	rm -rf /tmp/lihui-lock && $(PYTHON) -m venv /tmp/lihui-lock
	/tmp/lihui-lock/bin/pip install -q '.[test]'
	/tmp/lihui-lock/bin/pip freeze --exclude lihui > requirements.lock

clean:
	rm -rf $(VENV) var

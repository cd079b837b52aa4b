# Gongkai: `make run` (SQLite + demo data) and `make test` (import contracts, then the whole suite, SQLite + PostgreSQL).
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 5000
export GONGKAI_DATABASE_URL ?= sqlite:///instance/gongkai.db

.PHONY: run test lint setup translations extract-messages demo bench clean browser-deps pdf-deps ldap-deps cas-venv

$(BIN)/gongkai: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	touch $(BIN)/gongkai

setup: $(BIN)/gongkai translations

translations: $(BIN)/gongkai
	@if [ -d workflow/translations/en ]; then $(BIN)/pybabel compile -d workflow/translations -D messages; fi

# Developers: collect every message id (Chinese) and merge into the English catalogue (docs/i18n.md).
# N_ marks labels translated through a variable (workflow/i18n_labels.py, workflow/scan/extract.py).
I18N_KEYWORDS = -k _ -k _l -k gettext -k lazy_gettext -k ngettext:1,2 -k BadInput -k NotAuthenticated \
	-k Forbidden -k NotFound -k Conflict -k InvalidState -k StaleVersion -k BlockedByFindings -k TooLarge \
	-k ValidationFailed -k DomainError -k RateLimited -k TooManyAttempts -k ChartFontMissing -k ServiceUnavailable -k N_
extract-messages: $(BIN)/gongkai
	$(BIN)/pybabel extract -F babel.cfg $(I18N_KEYWORDS) --no-location --sort-output -o workflow/translations/messages.pot workflow web gongkai
	@if [ -f workflow/translations/en/LC_MESSAGES/messages.po ]; then \
	  $(BIN)/pybabel update -i workflow/translations/messages.pot -d workflow/translations -l en --no-fuzzy-matching; \
	else $(BIN)/pybabel init -i workflow/translations/messages.pot -d workflow/translations -l en; fi

run: setup pdf-deps
	$(BIN)/gongkai init
	$(BIN)/gongkai demo --if-empty
	@echo ""
	@echo "  Gongkai:          http://$(HOST):$(PORT)/"
	@echo "  Public directory: http://$(HOST):$(PORT)/public/"
	@echo "  Demo logins (password: gongkai-demo):"
	@echo "    admin          信息公开办公室 (admin, all departments)"
	@echo "    xsc-drafter    学生处 起草人      xsc-reviewer  学生处 保密审查员    xsc-approver  学生处 审批人"
	@echo "    (every department has CODE-drafter / CODE-reviewer / CODE-approver)"
	@echo ""
	# The demo is plain HTTP (any browser, any HOST): the session cookie is not marked Secure here; production keeps it.
	GONGKAI_SECURE_COOKIES=$${GONGKAI_SECURE_COOKIES:-0} $(BIN)/gongkai run --host $(HOST) --port $(PORT)

browser-deps: pdf-deps
	@command -v chromium >/dev/null 2>&1 || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk $(PDF_PACKAGES) >/dev/null)

# The PDF of the 审查审批表 (WeasyPrint): Pango and the Noto CJK fonts it embeds (docs/records.md). Without
# root the install is skipped with a warning: the app then refuses PDFs naming these packages.
PDF_PACKAGES = fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0
pdf-deps:
	@dpkg -s $(PDF_PACKAGES) >/dev/null 2>&1 || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(PDF_PACKAGES) >/dev/null) \
	  || echo "warning: PDF records need the Debian packages $(PDF_PACKAGES) (apt-get install $(PDF_PACKAGES))"

# OpenLDAP for the LDAP / AD tests (tests/identity/: each pytest worker starts its own slapd on a free port).
LDAP_PACKAGES = slapd ldap-utils
ldap-deps:
	@dpkg -s $(LDAP_PACKAGES) >/dev/null 2>&1 || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(LDAP_PACKAGES) >/dev/null)

# The CAS server of the tests (django-mama-cas: CAS 1/2/3 with attributes and single logout) runs in a venv of
# its own: Django is a test tool, never a dependency of Gongkai. tests/cas_server/ starts it on a free port.
CAS_VENV ?= .cas-venv
$(CAS_VENV)/.ready:
	test -x $(CAS_VENV)/bin/python || $(PYTHON) -m venv $(CAS_VENV)
	$(CAS_VENV)/bin/pip install --quiet 'django-mama-cas==2.5.0' 'django>=4.2,<5.3'
	touch $@
cas-venv: $(CAS_VENV)/.ready

# lint-imports checks the architecture contracts of pyproject.toml ([tool.importlinter]) first.
test: setup browser-deps ldap-deps cas-venv
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -n 2 --dist loadfile -q

lint: setup
	$(BIN)/ruff check workflow web db gongkai bench tests

bench: setup
	$(BIN)/python -m bench.transitions
	$(BIN)/python -m bench.scan --mb 50

clean:
	rm -rf $(VENV) $(CAS_VENV) instance *.egg-info .pytest_cache .hypothesis

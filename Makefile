# modgen's own tasks. `make demo` and `make test` do all their set-up on a fresh machine.
PYTHON ?= python3
CACHE := $(CURDIR)/.cache
TRANSFORMERS_VERSION := 5.23.0
SDIST := $(CACHE)/transformers-$(TRANSFORMERS_VERSION)
DEMO := $(CURDIR)/demo
export MODGEN_SDIST := $(SDIST)

.PHONY: install sdist test test-fast demo style quality fix-copies repo-consistency bench-flatten bench-check bench-closest bench-modularize

# torch first, pinned with the torchvision built for it (timm imports torchvision; PyPI's torchvision does not
# load beside the 2.13.0 CPU wheel). A plain `torch` requirement would pull a newer build than this pair.
install: $(CACHE)/.installed
$(CACHE)/.installed: pyproject.toml
	mkdir -p $(CACHE)
	$(PYTHON) -m pip install --quiet torch==2.14.1 torchvision==0.29.1
	$(PYTHON) -m pip install --quiet -e ".[dev]" transformers==$(TRANSFORMERS_VERSION)
	touch $@

# The transformers sdist: a real transformers repository (src/transformers, tests/, pyproject with ruff settings).
sdist: $(SDIST)/pyproject.toml
$(SDIST)/pyproject.toml:
	mkdir -p $(CACHE)
	$(PYTHON) -m pip download --quiet --no-deps --no-binary :all: transformers==$(TRANSFORMERS_VERSION) -d $(CACHE)
	tar -xzf $(CACHE)/transformers-$(TRANSFORMERS_VERSION).tar.gz -C $(CACHE)
	touch $@

test: install sdist
	$(PYTHON) -m pytest -n 2 tests

test-fast: install
	$(PYTHON) -m pytest -n 2 -m "not slow" tests

# The main job on a scratch copy of the transformers sdist: `modgen like llama --name bob`, then bob's tests.
demo: install sdist
	rm -rf $(DEMO) && cp -r $(SDIST) $(DEMO)
	cd $(DEMO) && git init --quiet && git add -A && git -c user.name=demo -c user.email=demo@example.com commit --quiet -m "transformers $(TRANSFORMERS_VERSION)"
	cd $(DEMO) && modgen like llama --name bob
	cd $(DEMO) && git status --short
	cd $(DEMO) && grep -v '^#' src/transformers/models/bob/modular_bob.py
	cd $(DEMO) && modgen flatten --check src/transformers/models/bob
	cd $(DEMO) && PYTHONPATH=src $(PYTHON) -m pytest -q tests/models/bob

style: install
	$(PYTHON) -m ruff check --fix modgen tests utils templates
	$(PYTHON) -m ruff format modgen tests utils templates

quality: install
	$(PYTHON) -m ruff check modgen tests utils templates
	$(PYTHON) -m ruff format --check modgen tests utils templates

# For a repository of models (a transformers checkout or a `modgen init` project): `make fix-copies REPO=path`.
REPO ?= $(DEMO)
fix-copies: install
	modgen check --fix --repo $(REPO)

repo-consistency: install
	modgen check --repo $(REPO)

bench-flatten: install
	$(PYTHON) utils/bench_flatten.py

bench-check: install
	$(PYTHON) utils/bench_check.py

bench-closest: install
	$(PYTHON) utils/bench_closest.py

bench-modularize: install
	$(PYTHON) utils/bench_modularize.py

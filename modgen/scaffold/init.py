"""`modgen init DIR --package NAME`: a project of one's own that keeps models in transformers' style.

It depends on transformers (the range modgen itself supports), formats with transformers' ruff settings, keeps
its models in `src/NAME/models/` (each registers itself with the Auto classes when imported), and has the
Makefile targets and pre-commit hook that keep generated files and `# Copied from` copies in sync.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import re
from pathlib import Path

from modgen.errors import UsageError
from modgen.formatting import DEFAULT_RUFF_CONFIG
from modgen.naming import is_valid_model_name
from modgen.transaction import Change, Transaction


def transformers_requirement() -> str:
    """The transformers range modgen itself is verified with (`transformers>=5.23,<5.24`)."""
    try:
        requires = importlib.metadata.requires("modgen") or []
    except importlib.metadata.PackageNotFoundError:
        requires = []
    for requirement in requires:
        if re.match(r"transformers\b", requirement) and "extra ==" not in requirement:
            return _normalised(requirement)
    return "transformers>=5.23,<5.24"


def _normalised(requirement: str) -> str:
    """`transformers<5.24,>=5.23` -> `transformers>=5.23,<5.24` (lower bound first, as people write it)."""
    spec = requirement.removeprefix("transformers").strip()
    parts = sorted((p.strip() for p in spec.split(",") if p.strip()), key=lambda p: not p.startswith(">"))
    return "transformers" + ",".join(parts)


def ruff_settings(package: str) -> str:
    """transformers' ruff settings as `[tool.ruff]` tables, with the project's package as first-party."""
    lines = ["[tool.ruff]"]
    for line in DEFAULT_RUFF_CONFIG.read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            continue
        if line.startswith("["):
            line = "[tool.ruff." + line[1:]
        line = line.replace('known-first-party = ["transformers"]', f'known-first-party = ["{package}"]')
        lines.append(line)
    return "\n".join(lines).rstrip() + "\n"


def pyproject(package: str) -> str:
    return f"""\
[build-system]
requires = ["setuptools>=68"]
build-backend = "setuptools.build_meta"

[project]
name = "{package.replace("_", "-")}"
version = "0.1.0"
description = "Models in transformers' style, built on transformers."
readme = "README.md"
requires-python = ">=3.11"
dependencies = [
    "{transformers_requirement()}",
    "torch",
]

[project.optional-dependencies]
dev = ["pytest>=8", "ruff==0.14.10"]

[tool.setuptools.packages.find]
where = ["src"]

[tool.pytest.ini_options]
testpaths = ["tests"]
pythonpath = ["src"]

[tool.modgen]
package = "{package}"
# `# Copied from` markers in generated files, verified by `modgen check` against the installed transformers.
markers = true

{ruff_settings(package)}"""


MAKEFILE = """\
# Tasks of {package}. fix-copies and repo-consistency need modgen installed.
PYTHON ?= python3
MODELS := src/{package}/models
MODULAR := $(wildcard $(MODELS)/*/modular_*.py)

.PHONY: fix-copies repo-consistency style quality test

# Regenerate the files generated from modular files, then fix `# Copied from` copies.
fix-copies:
ifneq ($(MODULAR),)
\tmodgen flatten $(MODULAR)
endif
\tmodgen check --fix

# Check that generated files and copies are up to date (what CI runs).
repo-consistency:
ifneq ($(MODULAR),)
\tmodgen flatten --check $(MODULAR)
endif
\tmodgen check

style:
\t$(PYTHON) -m ruff check --fix src tests
\t$(PYTHON) -m ruff format src tests

quality:
\t$(PYTHON) -m ruff check src tests
\t$(PYTHON) -m ruff format --check src tests

test:
\t$(PYTHON) -m pytest tests
"""

PRE_COMMIT = """\
# modgen's hook: generated files match their modular files, and `# Copied from` copies match their sources.
# It gets the staged Python files and checks them and what depends on them (copies of a changed source, modular
# files whose parents or generated files changed).
repos:
  - repo: local
    hooks:
      - id: modgen-check
        name: modgen check
        entry: modgen check
        language: system
        types: [python]
        pass_filenames: true
        require_serial: true
        files: ^src/
"""

README = """\
# {package}

Models in [transformers](https://github.com/huggingface/transformers)' style, built on transformers.

- Add a model like one of transformers': `modgen like llama --name my_model` (then edit
  `src/{package}/models/my_model/modular_my_model.py` and run `make fix-copies`).
- Use it: `import {package}.models.my_model` registers it with transformers' Auto classes.
- `make test`, `make quality`, `make repo-consistency`.

## Models
"""

PACKAGE_INIT = '''\
"""{package}: models in transformers' style, built on transformers."""

__version__ = "0.1.0"
'''

MODELS_INIT = '''\
"""The models of {package}. Each registers itself with transformers' Auto classes when imported:
`import {package}.models.<name>`."""
'''

TEST_PACKAGE = """\
import {package}


def test_package_imports():
    assert {package}.__version__
"""

GITIGNORE = """\
__pycache__/
*.egg-info/
.pytest_cache/
.ruff_cache/
.cache/
build/
dist/
"""


def project_files(package: str) -> dict[str, str]:
    """Relative path -> text of every file of a new project."""
    fill = {"package": package}
    return {
        "pyproject.toml": pyproject(package),
        "Makefile": MAKEFILE.format(**fill),
        ".pre-commit-config.yaml": PRE_COMMIT,
        "README.md": README.format(**fill),
        ".gitignore": GITIGNORE,
        f"src/{package}/__init__.py": PACKAGE_INIT.format(**fill),
        f"src/{package}/models/__init__.py": MODELS_INIT.format(**fill),
        "tests/__init__.py": "",
        "tests/models/__init__.py": "",
        "tests/test_package.py": TEST_PACKAGE.format(**fill),
    }


def check_package_name(package: str) -> None:
    if not is_valid_model_name(package):
        raise UsageError(
            f"invalid package name {package!r}: a package name is snake_case (lower-case letters, digits, "
            "single underscores) and starts with a letter",
            hint="e.g. --package my_models",
        )
    if importlib.util.find_spec(package) is not None:
        raise UsageError(
            f"package name {package!r} is taken by an installed module, which the project would shadow",
            hint="choose another --package",
        )


def init_project(directory: Path, package: str, *, force: bool = False) -> list[Change]:
    """Create the project in `directory`; refuses a non-empty one unless `force` (then files are replaced)."""
    check_package_name(package)
    directory = Path(directory).resolve()
    if directory.exists() and not directory.is_dir():
        raise UsageError(f"{directory} exists and is not a folder")
    if directory.is_dir() and any(p.name != ".git" for p in directory.iterdir()) and not force:
        raise UsageError(
            f"{directory} is not empty; modgen init creates a project in a new or empty folder",
            hint="choose another folder, or pass --force to write into it (replacing files of the same names)",
        )
    with Transaction(directory, overwrite=force) as transaction:
        for relative, text in project_files(package).items():
            transaction.write(directory / relative, text)
        return transaction.commit()

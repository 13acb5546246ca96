"""The index of the installed transformers, shared by the ranking tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from modgen.similarity.index import build_index


# Kept between runs, as users' is: brought up to date from the files' stamps (test_index.py builds small ones from
# scratch).
CACHE = Path(__file__).resolve().parents[2] / ".cache" / "modgen-tests"


@pytest.fixture(scope="session")
def index(installed_tree):
    with pytest.MonkeyPatch.context() as patch:  # the CLI tests read the same cache
        patch.setenv("MODGEN_CACHE_DIR", str(CACHE))
        yield build_index(installed_tree)

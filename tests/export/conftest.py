from __future__ import annotations

from pathlib import Path

import pytest

from tests.export.helpers import make_project


@pytest.fixture(scope="session")
def project(tmp_path_factory) -> Path:
    """One real project for the export tests; tests that change it work on a copy."""
    return make_project(tmp_path_factory.mktemp("export"))

"""Which files of a repository are checked, and with which marker root (spec §1.1).

Library files use `# Copied from transformers.…`, resolved in the repository's `src/transformers` when it holds
transformers' source, else in the installed transformers. Files under `tests/` use `# Copied from tests.…`,
resolved under `tests/`. The file list is sorted: results never depend on filesystem order.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from modgen.repo import Repository


@dataclass(frozen=True)
class Area:
    """A folder of files whose markers use `root`, resolved under `base`."""

    folder: Path
    root: str
    base: Path

    @property
    def prefix(self) -> str:
        return os.path.join(self.folder, "")


def areas_of(repo: Repository) -> list[Area]:
    areas = [Area(repo.package_dir, "transformers", repo.transformers.package_dir)]
    if repo.tests_dir.is_dir():
        areas.append(Area(repo.tests_dir, "tests", repo.tests_dir))
    return areas


def area_of(path: Path, areas: list[Area]) -> Area | None:
    text = str(path)
    for area in areas:
        if text.startswith(area.prefix):
            return area
    return None


def python_files(area: Area) -> list[Path]:
    if not area.folder.is_dir():
        return []
    return sorted(p for p in area.folder.rglob("*.py") if "__pycache__" not in p.parts)

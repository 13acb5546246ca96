"""`modgen check`: `# Copied from` copies match their sources, generated files match their modular files.

Compatible with transformers' `utils/check_copies.py` (the marker grammar and what it accepts), without its
defects. One concern per module:

* `grammar`: marker lines; `replace`: the `with A->B` spec; `blocks`: extents and block splitting;
  `ignore`: `# Ignore copy`; `resolve`: object path -> source lines; `normalise`: batched, cached ruff;
  `compare`: a copy against its source; `layout`: a fix keeps the copy's blank lines;
* `engine`: every marker of a repository, and the source-first fix; `modular_sync`: generated files against
  the flattener, and the graph of what each modular file reads and writes; `changed`: `--changed`/PATH
  selection; `cache`: the content-keyed cache;
* `run`: the whole check as one function; `report`: text and JSON; `cli`: the click command;
* `markers`: `add_copied_from_markers`, which the flattener calls to write markers the checker verifies.

`check_paths` is the entry point for other commands (`modgen like` checks what it wrote).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING


if TYPE_CHECKING:
    from modgen.copies.run import CheckReport
    from modgen.repo import Repository


def check_paths(
    paths: Sequence[Path | str], *, repo: Repository | None = None, fix: bool = False, jobs: int | None = None
) -> CheckReport:
    """`modgen check PATH...` as a function: the copies and generated files of `paths` and of everything that
    depends on them (copies of what they hold, modular files that read or write them), with the repository's
    cache. `repo`: found from the first path when not given. `report.exit_code` is 1 with findings;
    `modgen.copies.report.as_text(report)` prints them as the command does. Raises ModgenError for bad input.
    """
    from modgen.copies.run import run_check
    from modgen.repo import Repository

    if not paths:
        raise ValueError("check_paths needs at least one path")
    repo = repo or Repository.discover(Path(paths[0]))
    return run_check(repo, paths=list(paths), fix=fix, jobs=jobs or default_jobs())


def default_jobs() -> int:
    """Processes for flattening: both cores of a 2-core machine (more would only compete with ruff)."""
    return min(2, os.cpu_count() or 1)

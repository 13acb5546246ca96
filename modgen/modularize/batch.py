"""Modularizing many models on `jobs` processes, and writing the modular files that give their models back.

Each job runs in a worker (`modularize_job`), which returns the modular file's text and its report. Nothing is
written unless every modular file to write flattens back to its model (byte-identical, or AST-identical with the
text differences reported); then all are written at once (a `Transaction`), never over a file that exists unless
asked.
"""

from __future__ import annotations

import gc
import os
import traceback
from dataclasses import dataclass
from pathlib import Path

from modgen.errors import ModgenError, UsageError
from modgen.formatting import ruff_config_for
from modgen.modularize.inputs import Job
from modgen.parallel import run_jobs
from modgen.repo import Repository, TransformersTree
from modgen.transaction import Transaction


@dataclass
class Outcome:
    job: Job
    text: str | None  # the modular file, when its flattening gives the model back
    report: dict
    lines: list[str]  # the summary for people
    error: ModgenError | None = None

    @property
    def verified(self) -> bool:
        return self.text is not None


def _config_for(folder: Path) -> Path:
    try:
        return ruff_config_for(Repository.discover(folder).root)
    except ModgenError:
        return ruff_config_for(None)


def modularize_job(job: Job) -> tuple[str, object]:
    """One job, in a worker: ("ok", (text or None, report, summary)), ("error", fields) or ("crash", traceback)."""
    from modgen.modularize import report
    from modgen.modularize.engine import modularize_model

    try:
        target = job.target()
        tree = TransformersTree.for_file(target.folder)
        result = modularize_model(target, job.parents, tree, _config_for(target.folder))
        verified = given_back(result)
        shown = shown_path(job.destination)
        return "ok", (
            result.text if verified else None,
            report.to_json(result, shown, verified),
            report.summary(result, shown),
        )
    except ModgenError as error:
        return "error", (error.message, error.path and str(error.path), error.line, error.hint, error.exit_code)
    except Exception:
        return "crash", traceback.format_exc()


def shown_path(path: Path) -> str:
    """`path` relative to the working folder when it lies inside it."""
    try:
        return os.path.relpath(path) if path.is_relative_to(Path.cwd()) else str(path)
    except ValueError:
        return str(path)


def given_back(result) -> bool:
    """Whether the modular file may be written: its flattening gives the model back, by syntax tree; for files
    written by hand (which carry what no modular file can), every object a modular file can carry."""
    check = result.check
    handwritten = not all(file.generated for file in result.target.files.values())
    return check.error is None and (check.ast_identical or (handwritten and check.equivalent))


def _cost(job: Job) -> int:
    return sum(path.stat().st_size for path in job.files)


def run(jobs: list[Job], *, processes: int = 1) -> list[Outcome]:
    outcomes = []
    results = run_jobs(modularize_job, jobs, jobs=processes, label="modularizing", cost=_cost, initializer=gc.disable)
    for job, (status, value) in zip(jobs, results, strict=True):
        if status == "ok":
            text, report, lines = value
            outcomes.append(Outcome(job, text, report, lines))
        elif status == "error":
            message, where, line, hint, exit_code = value
            error = ModgenError(message, path=where, line=line, hint=hint, exit_code=exit_code)
            outcomes.append(Outcome(job, None, {"model": job.name, "error": str(error)}, [], error))
        else:
            error = ModgenError(f"modgen failed (a bug in modgen, please report it):\n{value}", exit_code=3)
            outcomes.append(Outcome(job, None, {"model": job.name, "error": str(error)}, [], error))
    return outcomes


def write(outcomes: list[Outcome], *, force: bool = False) -> list[Path]:
    """Write the verified modular files, all or nothing; an existing file only with `force`."""
    files = {o.job.destination: o.text for o in outcomes if o.verified}
    for path in files:
        if path.exists() and not force:
            raise UsageError(
                f"{path} exists; modgen modularize does not overwrite it",
                path=path,
                hint="use --check to see what it would write, --out DIR to write elsewhere, or --force",
            )
    if not files:
        return []
    root = Path(os.path.commonpath([path.parent for path in files]))
    with Transaction(root, overwrite=force) as transaction:
        for path, text in files.items():
            transaction.write(path, text, modify=path.exists())
        transaction.commit()
    return sorted(files)

"""`modgen flatten`'s engine: a `modular_<model>.py` file -> the standalone files transformers ships.

A reimplementation of transformers' modular converter (5.23 behaviour): parents are read, renamed to the new model
and merged with the modular definitions, and each generated file gets exactly the objects and imports it needs.

* `convert(modular_path, tree)` -> {file name: unformatted text}, for drivers that run ruff over many files at once;
* `flatten_file(modular_path)` -> {output path: final text} (formatted with the repository's ruff settings);
* `flatten_files(paths)` -> the same for many files, ruff run once for the batch.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from modgen.modular.convert import convert, convert_with_parents
from modgen.repo import TransformersTree


__all__ = ["convert", "convert_with_parents", "flatten_file", "flatten_files"]


def flatten_files(
    paths: Sequence[Path], *, markers: bool = False, jobs: int = 1, tree: TransformersTree | None = None
) -> dict[Path, str]:
    """Flatten many modular files in dependency order on `jobs` processes; ruff runs once over all their outputs."""
    from modgen.modular.batch import flatten_files as flatten_batch_files

    return flatten_batch_files(paths, markers=markers, jobs=jobs, tree=tree)


def flatten_file(
    modular_path: Path, *, markers: bool = False, tree: TransformersTree | None = None
) -> dict[Path, str]:
    """The final text of every file generated from one modular file, keyed by output path."""
    return flatten_files([Path(modular_path)], markers=markers, tree=tree)

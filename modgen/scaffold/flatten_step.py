"""Flattening the new model's modular file before anything is in place, exactly as `modgen flatten` will.

The flattener reads the tree a modular file lives in: its parents, and the auto mappings (a registered model is
spelt as its config class spells it: `ZzBlip2VisionConfig` has model type `zz_blip_2_vision_model`). So the
staged modular file is flattened in a scratch copy of the repository as the transaction will leave it: inside
transformers, a `src/transformers` whose entries link to the real ones, except the files the transaction
stages (the modular file, the registration edits), which link to their staged text; in a project, the modular
file at its final place relative to the repository's root (parents come from the installed transformers). The
flattener finds the tree and the settings from the file's place, as `modgen flatten` does; its outputs are then
mapped back to their final paths, and the banner names the final modular file.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Mapping
from pathlib import Path

from modgen.errors import ModgenError
from modgen.scaffold.context import LikeContext


BANNER_SOURCE = re.compile(r"(This file was automatically generated from )(\S+?)(\.\s*\n)")


def flatten_new_model(context: LikeContext, staged: Mapping[Path, Path]) -> dict[Path, str]:
    """Final path -> final text of every file generated from the new model's modular file. `staged`: final path
    -> staged path of every file the transaction has written so far (the modular file among them)."""
    from modgen.modular import flatten_files

    root = context.repo.root
    relative = context.modular_path.relative_to(root)
    with tempfile.TemporaryDirectory(prefix=".modgen-flatten-", dir=root) as scratch:
        scratch = Path(scratch)
        if context.in_transformers:
            _link_tree(scratch, context, staged)
        scratch_modular = scratch / relative
        scratch_modular.parent.mkdir(parents=True, exist_ok=True)
        scratch_modular.write_text(staged[context.modular_path].read_text(encoding="utf-8"), encoding="utf-8")
        try:
            outputs = flatten_files([scratch_modular], markers=context.repo.markers)
        except ModgenError as error:
            raise _relocated(error, scratch, context) from None
    return {context.model_dir / path.name: name_source(text, relative) for path, text in outputs.items()}


def _link_tree(scratch: Path, context: LikeContext, staged: Mapping[Path, Path]) -> None:
    """`scratch` laid out as the repository will be: the package's entries linked, staged files linked to their
    staged text, the new model's folder left for the modular file."""
    root = context.repo.root
    package = context.tree.package_dir
    for name in ("pyproject.toml",):  # the repository's ruff and [tool.modgen] settings
        if (root / name).is_file():
            (scratch / name).symlink_to(root / name)
    new_folder = context.model_dir.name
    for folder in (package, package / "models", package / "models" / "auto"):
        target = scratch / folder.relative_to(root)
        target.mkdir(parents=True, exist_ok=True)
        for entry in folder.iterdir():
            if entry.name in ("models", "auto", new_folder, "__pycache__") and entry.is_dir():
                continue
            source = staged.get(entry, entry)
            (target / entry.name).symlink_to(source)


def name_source(text: str, relative: Path) -> str:
    """`text` whose banner names `relative` (the final modular file) as the file it was generated from."""
    return BANNER_SOURCE.sub(lambda m: m[1] + relative.as_posix() + m[3], text, count=1)


def _relocated(error: ModgenError, scratch: Path, context: LikeContext) -> ModgenError:
    """The flattener's error, pointing at the final modular file rather than the scratch copy."""
    if error.path is not None and Path(error.path).is_relative_to(scratch):
        error.path = context.repo.root / Path(error.path).relative_to(scratch)
    error.message = error.message.replace(str(scratch), str(context.repo.root))
    return error

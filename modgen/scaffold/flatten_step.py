"""Flattening the new model's modular file before anything is in place.

The modular file is only staged, but the flattener resolves `from ..llama.modeling_llama import ...` from the
modular file's own place. So it runs on a scratch copy laid out like the final tree (inside the repository, so
that the repository's settings apply), with the parent's folder and `auto/` linked in; its outputs are then
mapped back to the final paths, and the banner names the final modular file.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

from modgen.errors import ModgenError
from modgen.scaffold.context import LikeContext


BANNER_SOURCE = re.compile(r"(This file was automatically generated from )(\S+?)(\.\s*\n)")


def flatten_new_model(context: LikeContext, modular_text: str) -> dict[Path, str]:
    """Final path -> final text of every file generated from `modular_text` (the new model's modular file)."""
    from modgen.modular import flatten_file

    relative = context.modular_path.relative_to(context.repo.root)
    with tempfile.TemporaryDirectory(prefix=".modgen-flatten-", dir=context.repo.root) as scratch:
        scratch_modular = Path(scratch) / relative
        scratch_modular.parent.mkdir(parents=True)
        scratch_modular.write_text(modular_text, encoding="utf-8")
        if context.in_transformers:
            models = scratch_modular.parent.parent
            for folder in dict.fromkeys((context.parent.name, "auto")):
                (models / folder).symlink_to(context.tree.models_dir / folder, target_is_directory=True)
        try:
            outputs = flatten_file(scratch_modular, markers=context.repo.markers, tree=context.tree)
        except ModgenError as error:
            raise _relocated(error, Path(scratch), context) from None
    return {context.model_dir / path.name: name_source(text, relative) for path, text in outputs.items()}


def name_source(text: str, relative: Path) -> str:
    """`text` whose banner names `relative` (the final modular file) as the file it was generated from."""
    return BANNER_SOURCE.sub(lambda m: m[1] + relative.as_posix() + m[3], text, count=1)


def _relocated(error: ModgenError, scratch: Path, context: LikeContext) -> ModgenError:
    """The flattener's error, pointing at the final modular file rather than the scratch copy."""
    if error.path is not None and Path(error.path).is_relative_to(scratch):
        error.path = context.repo.root / Path(error.path).relative_to(scratch)
    error.message = error.message.replace(str(scratch), str(context.repo.root))
    return error

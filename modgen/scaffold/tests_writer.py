"""The tests `modgen like` writes for a new model: `tests/models/NEW/test_modeling_NEW.py`.

* When the repository has the parent's tests (`tests/models/PARENT/test_modeling_PARENT.py`, as a transformers
  checkout does), a renamed copy of them: classes, names and module paths renamed by scope, Hub ids and every
  other string left alone (`rename.py`).
* Otherwise modgen's own tests, rendered from `templates/` (`render.py`) with what the parent is, found by reading
  its config class and running it (`parent_model.py`): a tiny config, a forward test per registered model class,
  save/load, the Auto classes, `generate()`, and the same outputs as the parent given its weights. What cannot be
  tested generically (a class no generic input runs, a `generate()` that fails) is said, with the reason.

The generated tests never import modgen: in transformers they run in transformers' CI.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import libcst as cst

from modgen.errors import ModgenError
from modgen.formatting import format_sources, ruff_config_for
from modgen.repo import ModelFiles, RepoKind, Repository
from modgen.scaffold.rename import Rename, rename_module
from modgen.transaction import Transaction


@dataclass
class TestsWritten:
    """What `write_tests` staged, for `modgen like`'s plan and checklist."""

    files: list[Path]
    source: str  # "copy of tests/models/llama/test_modeling_llama.py", "modgen's template" or "none"
    notes: list[str] = field(default_factory=list)
    untested: list[str] = field(default_factory=list)  # parts the tests cannot cover generically, and why


# --------------------------------------------------------------------------------------------------------------
# Where the tests come from.


def parent_tests_file(repo: Repository, parent: ModelFiles, parent_model_type: str) -> Path | None:
    """The parent's modeling tests in the repository, if it has them."""
    path = repo.tests_dir / "models" / parent.name / f"test_modeling_{parent_model_type.replace('-', '_')}.py"
    return path if path.is_file() else None


def planned_files(repo: Repository, new_name: str) -> list[Path]:
    folder = repo.tests_dir / "models" / new_name
    return [folder / "__init__.py", folder / f"test_modeling_{new_name}.py"]


def write_tests(
    transaction: Transaction,
    repo: Repository,
    parent: ModelFiles,
    *,
    parent_model_type: str,
    parent_prefix: str,
    new_name: str,
    new_prefix: str,
    model_types: Sequence[str] = (),
    reused_file_types: Collection[str] = ("tokenization",),
) -> TestsWritten:
    """Stage `tests/models/NEW/__init__.py` and `test_modeling_NEW.py` in `transaction`.

    `reused_file_types`: the parent's files NEW reuses instead of copying (its tokenizer): their classes keep
    the parent's names in a copied test. When no tiny config builds the parent's models, or no class of it runs
    on generic inputs, nothing is written and `untested` says why.
    """
    init_path, test_path = planned_files(repo, new_name)
    model_types = list(model_types) or [parent_model_type]
    existing = parent_tests_file(repo, parent, parent_model_type)
    if existing is not None:
        keep = _classes_defined_in(f for t in reused_file_types for f in parent.of_type(t))
        text = copy_parent_tests(
            existing.read_text(encoding="utf-8"),
            Rename(parent_model_type.replace("-", "_"), new_name, parent_prefix, new_prefix),
            folder_rename=(parent.name, new_name),
            keep=keep,
            packages=_packages(repo),
        )
        written = TestsWritten([], f"copy of {existing.relative_to(repo.root)}")
        written.notes.append(
            f"the tests copied from {parent.name} still load its checkpoints: point the Hub ids of their "
            f"integration tests at {new_name}'s weights once they exist"
        )
    else:
        from modgen.scaffold.parent_model import probe_parent  # imports transformers and torch
        from modgen.scaffold.render import render

        try:
            facts = probe_parent(model_types)
        except ModgenError as reason:
            # The model itself can still be scaffolded: its tests are left to the user, and `like` says so.
            return TestsWritten(
                [], "none", untested=[f"no tests written in tests/models/{new_name}: {reason.message}"]
            )
        written = TestsWritten([], "modgen's template", untested=list(facts.untested))
        foreign = [c.name for c in facts.parent.classes if not c.name.startswith(parent_prefix)]
        written.untested += [f"{name}: its name does not start with {parent_prefix}" for name in foreign]
        if not any(result.inputs is not None for result in facts.probed.values()):
            return TestsWritten([], "none", untested=written.untested)
        text = render(
            facts, model_type=new_name, parent_prefix=parent_prefix, parent_folder=parent.name, new_name=new_name,
            new_prefix=new_prefix, project_package=repo.package if repo.kind is RepoKind.PROJECT else None,
        )  # fmt: skip
    text = format_sources({test_path.name: text}, ruff_config_for(repo.root))[test_path.name]
    if not init_path.exists():
        transaction.write(init_path, "")
        written.files.append(init_path)
    transaction.write(test_path, text)
    written.files.append(test_path)
    return written


def _packages(repo: Repository) -> set[str]:
    return {repo.package} if repo.kind is RepoKind.PROJECT else set()


def _classes_defined_in(paths) -> set[str]:
    names = set()
    for path in paths:
        module = cst.parse_module(Path(path).read_text(encoding="utf-8"))
        names |= {s.name.value for s in module.body if isinstance(s, cst.ClassDef)}
    return names


# --------------------------------------------------------------------------------------------------------------
# A renamed copy of the parent's tests.

COPYRIGHT_YEAR = re.compile(r"(#\s*Copyright\s+(?:\(c\)\s*)?)(\d{4})")


def copy_parent_tests(
    source: str,
    rename: Rename,
    *,
    folder_rename: tuple[str, str] | None = None,
    keep: Collection[str] = (),
    packages: Collection[str] = (),
    year: int | None = None,
) -> str:
    """The parent's test module renamed for NEW, with the copyright year of a new file."""
    renames = [rename]
    if folder_rename and folder_rename[0] != rename.old:
        # `data2vec/modeling_data2vec_audio.py`: the folder has its own name.
        renames.append(Rename(folder_rename[0], folder_rename[1], "", ""))
    module = rename_module(cst.parse_module(source), renames, keep=keep, packages=packages)
    year = year or datetime.date.today().year
    header = [
        line.with_changes(comment=cst.Comment(COPYRIGHT_YEAR.sub(rf"\g<1>{year}", line.comment.value, count=1)))
        if line.comment
        else line
        for line in module.header
    ]
    return module.with_changes(header=header).code

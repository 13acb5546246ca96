"""Running a plan of `modgen like`: each step stages its files in one `Transaction`; the last one, the check a user
would run on what was written and touched, runs once everything is in place, and a repository that does not
check clean is put back as it was.
"""

from __future__ import annotations

import datetime
import os
import subprocess
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from modgen.errors import ModgenError
from modgen.formatting import ruff_binary, ruff_config_for, run_ruff
from modgen.scaffold import docs
from modgen.scaffold.allow_lists import list_new_classes
from modgen.scaffold.context import REUSED_FILE_TYPES, LikeContext
from modgen.scaffold.flatten_step import flatten_new_model
from modgen.scaffold.helpers import copy_helper, imported_siblings
from modgen.scaffold.mappings import auto_classes
from modgen.scaffold.modular_writer import license_header, modular_source
from modgen.scaffold.plan import Plan
from modgen.scaffold.register_project import project_init
from modgen.scaffold.register_transformers import edit_formatted, register
from modgen.scaffold.upstream import differences, upstream_outputs
from modgen.transaction import Change, Transaction


@dataclass
class Result:
    changes: list[Change]
    notes: list[str]  # what is left to the user, said at the step that found it
    untested: list[str] = field(default_factory=list)  # what the generated tests cannot test, and why

    def as_dict(self, root: Path) -> dict:
        return {
            "changes": [{"path": str(c.path.relative_to(root)), "action": c.action} for c in self.changes],
            "notes": self.notes,
            "untested": self.untested,
        }


@dataclass
class Run:
    """What the steps of one run share: the plan, the open transaction, and what earlier steps produced."""

    plan: Plan
    transaction: Transaction
    today: datetime.date
    say: Callable[[str], None]
    notes: list[str] = field(default_factory=list)
    untested: list[str] = field(default_factory=list)
    authored: list[Path] = field(default_factory=list)  # staged files modgen wrote itself, formatted at the end
    generated: dict[Path, str] = field(default_factory=dict)  # the flattener's outputs, by final path

    @property
    def context(self) -> LikeContext:
        return self.plan.context

    def note(self, text: str) -> None:
        self.notes.append(text)
        self.say(f"      note: {text}")


def write_modular(run: Run) -> None:
    context = run.context
    modular = run.transaction.write(context.modular_path, modular_source(context, run.plan.classes, run.plan.aliases))
    run_ruff([modular], ruff_config_for(context.repo.root))  # the flattener reads it: formatted first
    run.authored.append(modular)


def register_model(run: Run) -> None:
    context = run.context
    header = license_header(context)
    init = context.model_dir / "__init__.py"
    if context.in_transformers:
        register(context, run.transaction, run.plan.entries, header, run.plan.file_types)
        run.authored.append(run.transaction.staged_path(init))
        for script in next(s for s in run.plan.steps if s.name == "register").modifies:
            if script.parent.name == "utils":
                edited, added = list_new_classes(run.transaction.read(script), run.plan.renamed_classes)
                if added:
                    edit_formatted(run.transaction, script, edited, context.repo.root)
    else:
        text, skipped = project_init(context, run.plan.classes, run.plan.entries, auto_classes(context.tree), header)
        run.authored.append(run.transaction.write(init, text))
        for registration in skipped:
            run.note(f"not registered with an Auto class: {registration}")


def flatten(run: Run) -> None:
    context = run.context
    run.generated = flatten_new_model(context, run.transaction.staged)
    written = {path.name.removesuffix(f"_{context.new_name}.py") for path in run.generated}
    if context.in_transformers and written != set(run.plan.file_types):
        raise ModgenError(f"the flattener wrote {sorted(written)}, the model's init imports {run.plan.file_types}")
    for path, text in run.generated.items():
        run.transaction.write(path, text)
    imported = imported_siblings(run.generated.values())
    for path, helper in run.plan.helpers.items():
        if path.stem in imported:  # the flattener may instead import the parent's helper (in a project, it does)
            run.authored.append(run.transaction.write(path, copy_helper(context, helper)))


def write_docs(run: Run) -> None:
    context = run.context
    if not context.in_transformers:
        readme = context.repo.root / "README.md"
        current = run.transaction.read(readme) if readme.is_file() else f"# {context.repo.package}\n"
        section = docs.readme_section(context, run.plan.public_classes)
        run.transaction.write(readme, current.rstrip("\n") + "\n" + section, modify=readme.is_file())
        return
    repo = context.repo
    with_forward = docs.classes_defining_forward(list(run.generated.values()))
    page = docs.model_doc_page(context, run.plan.public_classes, with_forward, run.today)
    run.transaction.write(repo.docs_dir / "model_doc" / f"{context.new_name}.md", page)
    toc = repo.docs_dir / "_toctree.yml"
    if toc.is_file():
        edited = docs.add_toc_entry(
            run.transaction.read(toc), context.parent.name, context.new_name, context.new_prefix
        )
        if edited is None:
            run.note(f"add model_doc/{context.new_name} to {toc} (no entry for {context.parent.name} to follow)")
        else:
            run.transaction.write(toc, edited, modify=True)


def write_tests(run: Run) -> None:
    from modgen.scaffold.tests_writer import write_tests as write

    context = run.context
    written = write(
        run.transaction,
        context.repo,
        context.parent,
        parent_model_type=context.parent_model_type,
        parent_prefix=context.parent_prefix,
        new_name=context.new_name,
        new_prefix=context.new_prefix,
        model_types=list(context.model_types),
        reused_file_types=REUSED_FILE_TYPES,
    )
    for note in written.notes:
        run.note(note)
    for part in written.untested:
        run.untested.append(part)
        run.say(f"      not tested: {part}")
    run.authored += [run.transaction.staged_path(path) for path in written.files]


def format_written(run: Run) -> None:
    run_ruff([p for p in run.authored if p.suffix == ".py"], ruff_config_for(run.context.repo.root))


# Step name -> what it does, in the order of `make_plan`'s steps; "check" runs when the files are in place.
STEPS = {
    "modular": write_modular,
    "register": register_model,
    "flatten": flatten,
    "docs": write_docs,
    "tests": write_tests,
    "format": format_written,
}


def check_in_place(root: Path, changes: list[Change], modules: list[str] = ()) -> None:
    """What a user runs on the files `like` wrote and touched: `modgen check` (copies and modular files in sync),
    `ruff format --check`, and an import of the new model's `modules` in a fresh process (the repository's `src`
    first). Raises a ModgenError with the output of the first that is not clean."""
    paths = [str(c.path) for c in changes if c.path.suffix == ".py"]
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(root / "src"), os.environ.get("PYTHONPATH")])),
    }
    checks = [
        ("modgen check", [sys.executable, "-m", "modgen", "check", "--no-cache", "--repo", str(root), *paths]),
        ("ruff format --check", [ruff_binary(), "format", "--check", "--no-cache", "--config", str(ruff_config_for(root)), *paths]),
    ]  # fmt: skip
    if modules:
        importing = "import importlib, sys\nfor name in sys.argv[1:]:\n    importlib.import_module(name)"
        checks.append(("import " + ", ".join(modules), [sys.executable, "-c", importing, *modules]))
    for shown, command in checks:
        result = subprocess.run(command, cwd=root, capture_output=True, text=True, env=env)
        if result.returncode != 0:
            raise ModgenError(
                f"`{shown}` is not clean on what `modgen like` wrote; nothing was written:\n"
                + (result.stdout + result.stderr).rstrip()[-4000:],
                exit_code=1,
                hint="please report this parent to modgen",
            )


def new_modules(context: LikeContext, generated: dict[Path, str]) -> list[str]:
    """The new model's configuration and modeling modules, as a user imports them (other file types may need
    optional packages: Pillow, torchvision)."""
    package = context.repo.package
    return [
        f"{package}.models.{context.new_name}.{path.stem}"
        for path in generated
        if path.stem.startswith(("configuration_", "modeling_"))
    ]


def commit_checked(run: Run) -> list[Change]:
    """Move everything in, check it as a user would (putting everything back if it is not clean), and say where
    upstream's converter would write the generated files differently."""
    root = run.context.repo.root
    modules = new_modules(run.context, run.generated)
    changes = run.transaction.commit(verify=lambda changes: check_in_place(root, changes, modules))
    compare_with_upstream(run)
    return changes


def compare_with_upstream(run: Run) -> None:
    """Say which generated files the repository's own converter writes differently (transformers' CI compares
    them with its output)."""
    context = run.context
    if not context.in_transformers:
        return
    upstream = upstream_outputs(context.repo.root, context.modular_path)
    found = differences(run.generated, upstream) if upstream is not None else []
    if found:
        modular = context.modular_path.relative_to(context.repo.root)
        run.note(
            f"utils/modular_model_converter.py, which transformers' CI compares the generated files with, writes "
            f"them differently ({'; '.join(found)}): modgen puts each class after the classes it inherits from, "
            f"where upstream's order may not import, and keeps the parent's imports as the parent writes them. To "
            f"commit upstream's version instead: `python utils/modular_model_converter.py --files {modular}`, then "
            f"check that the model imports"
        )


def run_plan(
    plan: Plan, *, today: datetime.date | None = None, progress: Callable[[str], None] | None = None
) -> Result:
    """Run every step in one transaction; anything failing leaves the repository as it was."""
    say = progress or (lambda _line: None)
    root = plan.context.repo.root
    with Transaction(root) as transaction:
        run = Run(plan, transaction, today or datetime.date.today(), say)
        for number, step in enumerate(plan.steps, 1):
            say(f"[{number}/{len(plan.steps)}] {step.description}")
            if step.name == "check":
                changes = commit_checked(run)
                continue
            try:
                STEPS[step.name](run)
            except ModgenError:
                raise
            except Exception as error:
                raise ModgenError(
                    f"step {step.name!r} failed, nothing was written (a bug in modgen, please report it):\n"
                    + "".join(traceback.format_exception(error)).rstrip(),
                    exit_code=3,
                ) from error
    return Result(changes, run.notes, run.untested)

"""The ordered steps of `modgen like PARENT --name NEW`: planned first (printable as text or JSON for
`--dry-run`), then run in one `Transaction`, so that a failure at any step leaves the repository as it was.
"""

from __future__ import annotations

import datetime
import json
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from modgen.errors import ModgenError, UsageError
from modgen.formatting import ruff_config_for, run_ruff
from modgen.repo import Repository
from modgen.scaffold import docs
from modgen.scaffold.context import REUSED_FILE_TYPES, LikeContext, build_context
from modgen.scaffold.flatten_step import flatten_new_model
from modgen.scaffold.helpers import copy_helper, helper_modules, helper_name, imported_siblings
from modgen.scaffold.mappings import NewEntry, auto_classes, new_entries
from modgen.scaffold.modular_writer import CopiedClass, copied_classes, license_header, modular_source
from modgen.scaffold.register_project import project_init
from modgen.scaffold.register_transformers import register
from modgen.transaction import Change, Transaction


@dataclass
class Step:
    name: str
    description: str
    creates: list[Path] = field(default_factory=list)
    modifies: list[Path] = field(default_factory=list)


@dataclass
class Plan:
    context: LikeContext
    classes: list[CopiedClass]
    entries: list[NewEntry]
    steps: list[Step]
    helpers: dict[Path, Path] = field(default_factory=dict)  # new path -> the parent's helper module it copies

    @property
    def public_classes(self) -> list[str]:
        return [c.name for c in self.classes]

    @property
    def file_types(self) -> list[str]:
        return list(dict.fromkeys(c.file_type for c in self.classes))

    def as_dict(self) -> dict:
        context = self.context
        root = context.repo.root
        return {
            "repository": str(root),
            "kind": context.repo.kind.value,
            "parent": {
                "model_type": context.parent_model_type,
                "folder": context.parent.name,
                "prefix": context.parent_prefix,
            },
            "new": {"name": context.new_name, "prefix": context.new_prefix, "model_types": context.model_types},
            "classes": [{"name": c.name, "parent": c.parent, "file": c.file_type} for c in self.classes],
            "registrations": [{"file": e.file, "mapping": e.mapping, "key": e.key} for e in self.entries],
            "steps": [
                {
                    "name": s.name,
                    "description": s.description,
                    "creates": [str(p.relative_to(root)) for p in s.creates],
                    "modifies": [str(p.relative_to(root)) for p in s.modifies],
                }
                for s in self.steps
            ],
        }

    def to_json(self) -> str:
        return json.dumps(self.as_dict(), indent=2)

    def to_text(self) -> str:
        context = self.context
        root = context.repo.root
        lines = [
            f"modgen like {context.parent_model_type} --name {context.new_name} "
            f"({context.repo.kind.value} repository {root})",
        ]
        for number, step in enumerate(self.steps, 1):
            lines.append(f"{number}. {step.description}")
            lines.extend(f"     create {p.relative_to(root)}" for p in step.creates)
            lines.extend(f"     modify {p.relative_to(root)}" for p in step.modifies)
        return "\n".join(lines)


def make_plan(repo: Repository, parent: str, new_name: str) -> Plan:
    """Check the names and work out every file `like` creates or changes; nothing is written."""
    context = build_context(repo, parent, new_name)
    classes = copied_classes(context)
    entries = new_entries(
        context.tree,
        context.model_types,
        {c.parent: c.name for c in classes},
        {context.parent.name: context.new_name},
    )
    file_types = list(dict.fromkeys(c.file_type for c in classes))
    helpers = {context.model_dir / helper_name(context, h): h for h in helper_modules(context)}
    auto_dir = repo.models_dir / "auto"
    steps = [
        Step(
            "modular",
            f"write the modular file: {len(classes)} classes inheriting from {context.parent_prefix}'s",
            creates=[context.modular_path],
        ),
        Step(
            "flatten",
            "flatten it into standalone files"
            + (" with `# Copied from` markers" if repo.markers else "")
            + (", with the parent's helper modules they import" if helpers else ""),
            creates=[context.generated_path(t) for t in file_types] + list(helpers),
        ),
    ]
    if context.in_transformers:
        steps.append(
            Step(
                "register",
                f"register {context.new_name} in transformers' init and {len(entries)} auto-mapping entries",
                creates=[context.model_dir / "__init__.py"],
                modifies=[
                    repo.models_dir / "__init__.py",
                    *(auto_dir / f for f in dict.fromkeys(e.file for e in entries)),
                ],
            )
        )
        toc = repo.docs_dir / "_toctree.yml"
        steps.append(
            Step(
                "docs",
                "write the model doc page" + (" and its toctree entry" if toc.is_file() else ""),
                creates=[repo.docs_dir / "model_doc" / f"{context.new_name}.md"],
                modifies=[toc] if toc.is_file() else [],
            )
        )
    else:
        steps.append(
            Step(
                "register",
                "register the model with the Auto classes when it is imported",
                creates=[context.model_dir / "__init__.py"],
            )
        )
        readme = repo.root / "README.md"
        steps.append(
            Step(
                "docs",
                "add a model card section to the README",
                creates=[] if readme.is_file() else [readme],
                modifies=[readme] if readme.is_file() else [],
            )
        )
    steps.append(
        Step(
            "tests",
            f"write tests in tests/models/{context.new_name}/",
            creates=planned_test_files(repo, context.new_name),
        )
    )
    steps.append(Step("format", "run ruff on what was written"))
    refuse_existing([path for step in steps for path in step.creates], repo.root)
    return Plan(context, classes, entries, steps, helpers)


def refuse_existing(paths: list[Path], root: Path) -> None:
    """`like` creates files and never replaces one: say which exist before anything is done."""
    existing = [p for p in paths if p.exists()]
    if existing:
        names = ", ".join(str(p.relative_to(root)) for p in existing)
        raise UsageError(
            f"{names} already exist{'s' if len(existing) == 1 else ''}; modgen like does not overwrite files",
            path=existing[0],
            hint="move them away, or choose another --name",
        )


@dataclass
class Result:
    changes: list[Change]
    notes: list[str]


@dataclass
class Run:
    """What the steps of one run share: the plan, the open transaction, and what earlier steps produced."""

    plan: Plan
    transaction: Transaction
    today: datetime.date
    notes: list[str] = field(default_factory=list)
    authored: list[Path] = field(default_factory=list)  # staged files modgen wrote itself, formatted at the end
    generated: dict[Path, str] = field(default_factory=dict)  # the flattener's outputs, by final path

    @property
    def context(self) -> LikeContext:
        return self.plan.context


def write_modular(run: Run) -> None:
    context = run.context
    modular = run.transaction.write(context.modular_path, modular_source(context, run.plan.classes))
    run_ruff([modular], ruff_config_for(context.repo.root))  # the flattener reads it: formatted first
    run.authored.append(modular)


def flatten(run: Run) -> None:
    modular = run.transaction.staged_path(run.context.modular_path)
    run.generated = flatten_new_model(run.context, modular.read_text(encoding="utf-8"))
    for path, text in run.generated.items():
        run.transaction.write(path, text)
    imported = imported_siblings(run.generated.values())
    for path, helper in run.plan.helpers.items():
        if path.stem in imported:  # the flattener may instead import the parent's helper (in a project, it does)
            run.authored.append(run.transaction.write(path, copy_helper(run.context, helper)))


def register_model(run: Run) -> None:
    context = run.context
    header = license_header(context)
    init = context.model_dir / "__init__.py"
    if context.in_transformers:
        file_types = [p.name.removesuffix(f"_{context.new_name}.py") for p in run.generated]
        register(context, run.transaction, run.plan.entries, header, file_types)
        run.authored.append(run.transaction.staged_path(init))
    else:
        text, skipped = project_init(context, run.plan.classes, run.plan.entries, auto_classes(context.tree), header)
        run.authored.append(run.transaction.write(init, text))
        run.notes.extend(f"not registered with an Auto class: {s}" for s in skipped)


def write_docs(run: Run) -> None:
    if run.context.in_transformers:
        _write_model_doc(run.plan, run.transaction, run.generated, run.today, run.notes)
    else:
        _write_readme_section(run.plan, run.transaction)


def write_tests(run: Run) -> None:
    run.authored += _write_tests(run.plan, run.transaction, run.notes)


def format_written(run: Run) -> None:
    run_ruff([p for p in run.authored if p.suffix == ".py"], ruff_config_for(run.context.repo.root))


# Step name -> what it does, in the order of `make_plan`'s steps.
STEPS = {
    "modular": write_modular,
    "flatten": flatten,
    "register": register_model,
    "docs": write_docs,
    "tests": write_tests,
    "format": format_written,
}


def run_plan(
    plan: Plan, *, today: datetime.date | None = None, progress: Callable[[str], None] | None = None
) -> Result:
    """Run every step in one transaction; anything failing leaves the repository as it was."""
    with Transaction(plan.context.repo.root) as transaction:
        run = Run(plan, transaction, today or datetime.date.today())
        for number, step in enumerate(plan.steps, 1):
            if progress is not None:
                progress(f"[{number}/{len(plan.steps)}] {step.description}")
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
        changes = transaction.commit()
    return Result(changes, run.notes)


def _write_model_doc(
    plan: Plan, transaction: Transaction, generated: dict[Path, str], today: datetime.date, notes: list[str]
) -> None:
    context = plan.context
    repo = context.repo
    with_forward = docs.classes_defining_forward(list(generated.values()))
    page = docs.model_doc_page(context, plan.public_classes, with_forward, today)
    transaction.write(repo.docs_dir / "model_doc" / f"{context.new_name}.md", page)
    toc = repo.docs_dir / "_toctree.yml"
    if toc.is_file():
        edited = docs.add_toc_entry(transaction.read(toc), context.parent.name, context.new_name, context.new_prefix)
        if edited is None:
            notes.append(f"add model_doc/{context.new_name} to {toc} (no entry for {context.parent.name} to follow)")
        else:
            transaction.write(toc, edited, modify=True)


def _write_readme_section(plan: Plan, transaction: Transaction) -> None:
    readme = plan.context.repo.root / "README.md"
    current = transaction.read(readme) if readme.is_file() else f"# {plan.context.repo.package}\n"
    section = docs.readme_section(plan.context, plan.public_classes)
    transaction.write(readme, current.rstrip("\n") + "\n" + section, modify=readme.is_file())


def _write_tests(plan: Plan, transaction: Transaction, notes: list[str]) -> list[Path]:
    """The new model's tests, written by `modgen.scaffold.tests_writer` (a separate part of modgen)."""
    try:
        from modgen.scaffold.tests_writer import write_tests
    except ImportError:
        notes.append("tests were not generated: this modgen has no test writer (modgen.scaffold.tests_writer)")
        return []
    context = plan.context
    written = write_tests(
        transaction,
        context.repo,
        context.parent,
        parent_model_type=context.parent_model_type,
        parent_prefix=context.parent_prefix,
        new_name=context.new_name,
        new_prefix=context.new_prefix,
        reused_file_types=REUSED_FILE_TYPES,
    )
    notes.extend(written.notes)
    return [transaction.staged_path(path) for path in written.files]


def planned_test_files(repo: Repository, new_name: str) -> list[Path]:
    try:
        from modgen.scaffold.tests_writer import planned_files
    except ImportError:
        return []
    return [path for path in planned_files(repo, new_name) if path.name != "__init__.py"]

"""The ordered steps of `modgen like PARENT --name NEW`, planned before anything is written: printable as text or
JSON for `--dry-run`, then run by `modgen.scaffold.steps` in one `Transaction`, so that a failure at any step (or
a repository that does not check clean at the end) leaves the repository as it was.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from modgen.errors import UsageError
from modgen.repo import Repository
from modgen.scaffold.allow_lists import scripts_listing
from modgen.scaffold.context import LikeContext, build_context
from modgen.scaffold.helpers import helper_modules, helper_name
from modgen.scaffold.mappings import NewEntry, new_entries
from modgen.scaffold.modular_writer import (
    CopiedClass,
    LibraryAlias,
    copied_classes,
    deprecated_classes,
    library_aliases,
)


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
    aliases: list[LibraryAlias] = field(default_factory=list)

    @property
    def public_classes(self) -> list[str]:
        return [c.name for c in self.classes]

    @property
    def file_types(self) -> list[str]:
        return list(dict.fromkeys(c.file_type for c in self.classes))

    @property
    def renamed_classes(self) -> dict[str, str]:
        """Parent class -> the new model's."""
        return {c.parent: c.name for c in self.classes}

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
            "aliases": [{"name": a.alias, "library_class": a.name, "module": a.module} for a in self.aliases],
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
    aliases = library_aliases(context)
    entries = new_entries(
        context.tree,
        context.model_types,
        {c.parent: c.name for c in classes},
        {context.parent.name: context.new_name},
    )
    file_types = list(dict.fromkeys(c.file_type for c in classes))
    helpers = {context.model_dir / helper_name(context, h): h for h in helper_modules(context)}
    auto_dir = repo.models_dir / "auto"
    modular = f"write the modular file: {len(classes)} classes inheriting from {context.parent_prefix}'s"
    if aliases:
        modular += f", {len(aliases)} alias{'es' if len(aliases) > 1 else ''} of library classes"
    if deprecated := deprecated_classes(context):
        modular += f" (not the deprecated {', '.join(deprecated)})"
    steps = [Step("modular", modular, creates=[context.modular_path])]
    if context.in_transformers:
        scripts = scripts_listing(repo.root, {c.parent: c.name for c in classes})
        steps.append(
            Step(
                "register",
                f"register {context.new_name} in transformers' init and {len(entries)} auto-mapping entries"
                + (f"; list its classes where {len(scripts)} checker scripts exempt the parent's" if scripts else ""),
                creates=[context.model_dir / "__init__.py"],
                modifies=[
                    repo.models_dir / "__init__.py",
                    *(auto_dir / f for f in dict.fromkeys(e.file for e in entries)),
                    *scripts,
                ],
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
    steps.append(
        Step(
            "flatten",
            "flatten it into standalone files"
            + (" with `# Copied from` markers" if repo.markers else "")
            + (", with the parent's helper modules they import" if helpers else ""),
            creates=[context.generated_path(t) for t in file_types] + list(helpers),
        )
    )
    if context.in_transformers:
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
    steps.append(Step("check", "check what was written and touched as a user would: `modgen check`, ruff, an import"))
    refuse_existing([path for step in steps for path in step.creates], repo.root)
    return Plan(context, classes, entries, steps, helpers, aliases)


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


def planned_test_files(repo: Repository, new_name: str) -> list[Path]:
    from modgen.scaffold.tests_writer import planned_files

    return [path for path in planned_files(repo, new_name) if path.name != "__init__.py"]

"""What a modularization did, for people (`modgen modularize`) and for programs (`--json`).

Per class: the parent class chosen (and its model), the lines the modular file states, the lines it saves against
the class in the target, the form of each method it states, and why a class is kept whole. Per file: whether
flattening the modular file gives it back byte for byte, or only by syntax tree (then the text differences), or
not at all (then the modular file is not written).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from modgen.modularize.code import code_lines, code_tokens
from modgen.modularize.engine import Result


@dataclass(frozen=True)
class ClassReport:
    name: str
    file: str
    parent: str | None  # `llama.LlamaMLP`
    stated: bool  # written in the modular file (else the flattener pulls the parent's class in)
    lines_kept: int
    lines_saved: int
    forms: dict
    reason: str

    def to_json(self) -> dict:
        return {
            "class": self.name,
            "file": self.file,
            "parent": self.parent,
            "stated": self.stated,
            "lines_kept": self.lines_kept,
            "lines_saved": self.lines_saved,
            "methods": self.forms,
            **({"kept_whole_because": self.reason} if self.parent is None else {}),
        }


def class_reports(result: Result) -> list[ClassReport]:
    plan = result.plan
    reports = []
    for file_type, obj in plan.objects():
        if obj.kind != "class":
            continue
        class_plan = plan.classes[obj.name]
        stated = obj.name in plan.written
        kept = class_plan.lines if stated else 0
        parent = class_plan.parent
        reports.append(
            ClassReport(
                obj.name,
                plan.target.files[file_type].path.name,
                f"{parent.module.model}.{parent.name}" if parent is not None else None,
                stated,
                kept,
                code_lines(obj.text) - kept,
                dict(class_plan.forms),
                class_plan.reason,
            )
        )
    return reports


def status(result: Result) -> str:
    check = result.check
    if check.error is not None:
        return "refused by the flattener"
    if check.byte_identical:
        return "byte-identical"
    if check.ast_identical:
        return "AST-identical"
    if check.equivalent:
        return "every object it can carry given back (order aside)"
    return "differs"


def target_lines(result: Result) -> int:
    return sum(code_lines(file.body_text) for file in result.target.files.values())


def to_json(result: Result, destination: str, written: bool) -> dict:
    check = result.check
    return {
        "model": result.target.name,
        "modular_file": destination,
        "written": written,
        "round_trip": status(result),
        "lines": code_lines(result.text),
        "tokens": code_tokens(result.text),
        "target_lines": target_lines(result),
        "parents": sorted({module.model for module in result.plan.parents.modules.values()}),
        "files": [_file_json(f) for f in check.files],
        "error": check.error,
        "cannot_express": [
            f"{file.path.name} {line}" for file in result.target.files.values() for line in file.unexpressible
        ],
        "imports_stated_otherwise": stated_otherwise(result),
        "classes": [report.to_json() for report in class_reports(result)],
        "functions": {
            name: {
                "mode": definition.mode,
                "parents_alike": definition.alike,
                "why": written_out_because(result, name),
            }
            for name, definition in result.plan.definitions.items()
        },
    }


def stated_otherwise(result: Result) -> list[str]:
    """The imports the modular file spells another way than the target (`respell`)."""
    plan = result.plan
    return [
        f"{name} imported from {plan.respelled[name].module}, not {plan.bindings[name].module}"
        for name in sorted(plan.use_respelled)
    ]


def written_out_because(result: Result, name: str) -> str | None:
    """Why the modular file writes a function or constant out instead of leaving it to a parent (None if not)."""
    plan = result.plan
    definition = plan.definitions[name]
    if definition.mode != "define":
        return None
    if not definition.alike:
        same_code = [key for key in definition.unlike if _same_syntax(plan, key, definition)]
        if same_code:
            models = ", ".join(plan.parents.modules[key].model for key in same_code)
            return f"{models} has the same code with other comments"
        others = ", ".join(plan.parents.modules[key].model for key in definition.unlike)
        return f"no parent has it alike{f' ({others}: another version)' if others else ''}"
    if definition.kind == "assignment" and (name, "import") not in plan.tried:
        return "a constant: the modular file writes its own (the flattener takes a module's constants from it)"
    if (name, "import") in plan.tried:
        return f"imported from {plan.parents.modules[definition.alike[0]].model}, the file did not come back"
    return "left to a parent, the file did not come back in its order"


def _same_syntax(plan, key: str, definition) -> bool:
    mapper = plan.parents.mapper(key, plan.prefixes[key])
    entry = (mapper.functions if definition.kind == "function" else mapper.assignments).get(definition.name)
    return entry is not None and ast.dump(ast.parse(entry.code.strip())) == ast.dump(
        ast.parse(definition.text.strip())
    )


def _file_json(check) -> dict:
    """One generated file against its target: the round trip, and where they differ."""
    found = {
        "differing": check.differing,
        "missing": check.missing,
        "extra": check.extra,
        "out_of_order": check.misplaced,
        "imported_elsewhere": check.wrong_imports,
        "cannot_carry": check.dropped,
    }
    return {
        "file": check.name,
        "round_trip": check.status,
        **{key: value for key, value in found.items() if value},
        **({"text_diff": check.diff} if check.diff else {}),
    }


def summary(result: Result, shown_path: str) -> list[str]:
    """Lines for people: the model, its round trip, the classes kept whole and why."""
    lines = [
        f"{shown_path}: {code_lines(result.text)} lines for {target_lines(result)} "
        f"({', '.join(f.path.name for f in result.target.files.values())}); flattened back: {status(result)}"
    ]
    reports = class_reports(result)
    inherited = [r for r in reports if r.parent is not None]
    stated = [r for r in inherited if r.stated]
    lines.append(
        f"  {len(inherited)} of {len(reports)} classes inherit ({len(stated)} stated, "
        f"{len(inherited) - len(stated)} taken as they are), {len(reports) - len(inherited)} kept whole"
    )
    for report in reports:
        if report.parent is None and report.stated:
            lines.append(f"  kept whole: {report.name} ({report.reason})")
    for file in result.target.files.values():
        for line in file.unexpressible:
            lines.append(f"  cannot be expressed in a modular file: {file.path.name} {line}")
    for line in stated_otherwise(result):
        lines.append(f"  stated otherwise (the converter would drop the import): {line}")
    for file in result.check.files:
        if file.dropped:
            names = ", ".join(file.dropped)
            lines.append(f"  cannot be carried by a modular file (no class needs it): {file.name}: {names}")
        if file.ast_identical and not file.byte_identical:
            lines.append(f"  {file.name}: same syntax tree, text differs:")
            lines += ["    " + line for line in file.diff.splitlines()[2:12]]
        elif not file.equivalent:
            found = [
                f"{what} {', '.join(names[:5])}"
                for what, names in (("differing", file.differing), ("missing", file.missing), ("extra", file.extra))
                if names
            ]
            lines.append(
                f"  {file.name} does not come back ({'; '.join(found) or 'imports or layout'}); --json gives the "
                "diff (the flattener runs `ruff check --fix` and `ruff format`: run them on the file first)"
            )
    if result.check.error:
        lines.append(f"  the flattener refused it: {result.check.error}")
    return lines

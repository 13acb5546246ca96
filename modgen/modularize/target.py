"""The model to modularize: its standalone files, read into the top-level objects the flattener places.

A target file is a generated file (its banner names the modular file it came from, which may be gone) or a file
written by hand (a legacy `modeling_*.py`, research code made transformers-style). Either way it is read as the
flattener reads a module (`ModuleMapper`): imports, `if`-protected import blocks, classes, functions,
assignments, `__all__`; and what the flattener cannot produce (a module docstring, a `try` block, a bare
expression) is listed, so that the report can say why such a file cannot come back byte for byte.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path

from modgen.errors import ModgenError, UsageError
from modgen.modular.batch import GENERATED_BANNER
from modgen.modular.mapper import ModuleMapper, Unit, split_units, unit_first_line
from modgen.modular.sources import is_model_specific
from modgen.modularize.imports import Binding
from modgen.modularize.respell import respell
from modgen.repo import FILE_TYPES, MODULAR, split_file_name


BANNER_LINES = 6


@dataclass
class TopObject:
    """A top-level object of a target file, in file order."""

    kind: str  # "class", "function", "assignment"
    name: str
    unit: Unit

    @property
    def text(self) -> str:
        return self.unit.text


@dataclass
class TargetFile:
    path: Path
    file_type: str
    model: str  # the model name from the file name: `data2vec_audio`
    text: str
    generated: bool  # carries the flattener's banner
    header: str  # the comment lines above the code (after the banner): the modular file's header
    mapper: ModuleMapper
    objects: list[TopObject]
    all_names: list[str]  # `__all__`, when a list of strings
    unexpressible: list[str] = field(default_factory=list)  # what no modular file can produce, with its line

    @property
    def body_text(self) -> str:
        """The text without the banner."""
        return strip_banner(self.text) if self.generated else self.text

    def object(self, name: str) -> TopObject | None:
        return next((o for o in self.objects if o.name == name), None)


def strip_banner(text: str) -> str:
    lines = text.splitlines(keepends=True)
    if len(lines) > 1 and GENERATED_BANNER in lines[1]:
        return "".join(lines[BANNER_LINES:])
    return text


def read_target_file(path: Path) -> TargetFile:
    split = split_file_name(path)
    if split is None or split[0] not in FILE_TYPES:
        raise UsageError(
            f"{path.name} is not a model file",
            path=path,
            hint=f"give files named <type>_<model>.py, type one of {', '.join(FILE_TYPES)}",
        )
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise ModgenError(f"not UTF-8 text: {error.reason}", path=path) from None
    return parse_target(path, text)


def parse_target(path: Path, text: str) -> TargetFile:
    """A model file's text read as the flattener reads a module (`path` names it: its type and model)."""
    file_type, model = split_file_name(path)
    lines = text.splitlines()
    generated = len(lines) > 1 and GENERATED_BANNER in lines[1]
    body = strip_banner(text) if generated else text
    try:
        syntax = ast.parse(body)
    except SyntaxError as error:
        raise ModgenError.from_syntax_error(error, path) from None
    units = split_units(body, syntax, None)
    mapper = ModuleMapper(units)
    first = min((unit_first_line(stmt) for stmt in syntax.body), default=len(body.splitlines()) + 1)
    header = "".join(body.splitlines(keepends=True)[: first - 1])
    objects, all_names, unexpressible = _read_objects(units, mapper, path)
    return TargetFile(path, file_type, model, text, generated, header, mapper, objects, all_names, unexpressible)


def _read_objects(units: list[Unit], mapper: ModuleMapper, path: Path) -> tuple[list, list[str], list[str]]:
    """The top-level objects, `__all__`, and what no modular file can produce."""
    objects: list[TopObject] = []
    all_names: list[str] = []
    unexpressible: list[str] = []
    for number, unit in enumerate(units):
        stmt = unit.stmts[0]
        line = unit_first_line(stmt)
        if isinstance(stmt, ast.ClassDef):
            objects.append(TopObject("class", stmt.name, unit))
        elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            objects.append(TopObject("function", stmt.name, unit))
        elif isinstance(stmt, ast.ImportFrom) and is_model_specific("." * stmt.level + (stmt.module or "")):
            module = "." * stmt.level + (stmt.module or "")
            for alias in stmt.names:
                if respell(Binding(module, alias.name, alias.asname), path) is None:
                    unexpressible.append(
                        f"line {line}: imports {alias.name} from another model's file (a modular file's import from a "
                        "model file names a parent to inherit from, and the model's package does not export it)"
                    )
        elif isinstance(stmt, (ast.Import, ast.ImportFrom)) or unit in mapper.imports:
            continue
        elif isinstance(stmt, ast.Assign) and len(unit.stmts) == 1 and len(stmt.targets) == 1:
            target = stmt.targets[0]
            if isinstance(target, ast.Name) and target.id == "__all__":
                all_names = _string_list(stmt.value)
            elif isinstance(target, ast.Name) and target.id == "__getattr__":
                objects.append(TopObject("getattr", "__getattr__", unit))
            elif isinstance(target, ast.Name):
                objects.append(TopObject("assignment", target.id, unit))
            elif isinstance(target, (ast.Subscript, ast.Attribute)) and isinstance(target.value, ast.Name):
                objects.append(TopObject("assignment", unit.source.strip(), unit))
            else:
                unexpressible.append(f"line {line}: an assignment to {ast.unparse(target)}")
        elif number == 0 and isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):
            unexpressible.append(f"line {line}: the module docstring")
        else:
            unexpressible.append(f"line {line}: a top-level {type(stmt).__name__} statement")
    return objects, all_names, unexpressible


def _string_list(node: ast.expr) -> list[str]:
    if not isinstance(node, ast.List):
        return []
    return [e.value for e in node.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]


@dataclass
class TargetModel:
    """The files of one model, by file type."""

    name: str
    folder: Path
    files: dict[str, TargetFile]

    @property
    def modular_path(self) -> Path:
        return self.folder / f"{MODULAR}_{self.name}.py"


def read_target(paths: list[Path], name: str | None = None) -> TargetModel:
    """The model files among `paths` (files, or a model folder), all of one model."""
    files: list[Path] = []
    for path in paths:
        path = Path(path)
        if not path.exists():
            raise UsageError(f"{path} does not exist")
        if path.is_dir():
            found = [p for p in sorted(path.glob("*.py")) if (s := split_file_name(p)) and s[0] in FILE_TYPES]
            if not found:
                raise UsageError(f"no model file in {path}", hint="give a model folder or its modeling_*.py files")
            files += found
        else:
            files.append(path)
    targets = [read_target_file(path) for path in dict.fromkeys(p.resolve() for p in files)]
    models = sorted({t.model for t in targets})
    if name is None and len(models) > 1:
        raise UsageError(
            f"the files given hold several models ({', '.join(models)})",
            hint="give the files of one model, e.g. modeling_<model>.py and configuration_<model>.py",
        )
    model = name or models[0]
    chosen = [t for t in targets if name is not None or t.model == model]
    by_type: dict[str, TargetFile] = {}
    for target in chosen:
        if target.file_type in by_type:
            raise UsageError(
                f"two {target.file_type} files given: {by_type[target.file_type].path.name} and {target.path.name}",
                hint="give one file per type",
            )
        by_type[target.file_type] = target
    ordered = {t: by_type[t] for t in FILE_TYPES if t in by_type}
    return TargetModel(model, chosen[0].path.parent, ordered)

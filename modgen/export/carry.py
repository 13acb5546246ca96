"""The code files the folder carries, with their imports made flat, and the check that every import resolves.

A Hub custom-code folder is flat and is imported as a package of its own (transformers copies the file an
`auto_map` entry names, and the files it imports as `from .module import ...`, into its modules cache). So:

- `from .configuration_x import C` and `from PACKAGE.models.NAME.configuration_x import C` -> `from .configuration_x
  import C`, and the file is carried;
- `from PACKAGE.models.NAME import C` (the model's `__init__`, not carried) -> the module that defines C;
- transformers and other installed packages stay absolute imports;
- anything else (the project's other modules, a local file that is not installed, a package that is not
  installed) cannot be carried: that is an error naming the file and line.
"""

from __future__ import annotations

import importlib.util
import sys
from dataclasses import dataclass, field
from pathlib import Path

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from modgen.errors import ModgenError, UsageError
from modgen.export.project import ModelSource


@dataclass
class Problem:
    path: Path
    line: int
    message: str


@dataclass
class CarriedFiles:
    texts: dict[str, str] = field(default_factory=dict)  # file name in the folder -> rewritten text
    problems: list[Problem] = field(default_factory=list)


def carry(source: ModelSource, modules: list[str]) -> CarriedFiles:
    """The files of `modules` (modules of the model's folder) and of everything they import from it."""
    carried = CarriedFiles()
    queue = list(dict.fromkeys(modules))
    while queue:
        module = queue.pop(0)
        path = source.module_path(module)
        name = module.rsplit(".", 1)[-1] + ".py"
        if name in carried.texts:
            continue
        if path is None:
            carried.problems.append(Problem(source.folder, 0, f"{module} is not a file of the model's folder"))
            continue
        rewriter = ImportRewriter(source, path)
        try:
            wrapper = MetadataWrapper(cst.parse_module(path.read_text(encoding="utf-8")))
        except cst.ParserSyntaxError as error:
            raise ModgenError.from_syntax_error(error, path) from error
        carried.texts[name] = wrapper.visit(rewriter).code
        carried.problems.extend(rewriter.problems)
        queue.extend(f"{source.module}.{local}" for local in rewriter.local_modules)
    return carried


def raise_problems(problems: list[Problem], source: ModelSource) -> None:
    if not problems:
        return
    lines = [f"{_shown(p.path, source)}:{p.line}: {p.message}" for p in problems]
    raise UsageError(
        "the model's code imports what a Hub folder cannot carry:\n  " + "\n  ".join(lines),
        hint=f"a Hub folder holds only the files of {source.folder.name}/ and imports installed packages: move what "
        "it needs into the model's folder (or into an installed package), then export again",
    )


def _shown(path: Path, source: ModelSource) -> str:
    try:
        return str(path.relative_to(source.root))
    except ValueError:
        return str(path)


class ImportRewriter(cst.CSTTransformer):
    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self, source: ModelSource, path: Path) -> None:
        super().__init__()
        self.source = source
        self.path = path
        self.local_modules: list[str] = []
        self.problems: list[Problem] = []
        self._try_depth = 0

    def visit_Try(self, node: cst.Try) -> None:
        self._try_depth += 1

    def leave_Try(self, original: cst.Try, updated: cst.Try) -> cst.Try:
        self._try_depth -= 1
        return updated

    def leave_ImportFrom(self, original: cst.ImportFrom, updated: cst.ImportFrom) -> cst.ImportFrom:
        level = len(updated.relative)
        module = _dotted(updated.module) if updated.module is not None else ""
        if level == 0:
            target = self._project_target(module, original)
            if target is None:
                return updated
        elif level == 1 and module:
            target = module
        elif level == 1:
            names = "NAME" if isinstance(updated.names, cst.ImportStar) else _dotted(updated.names[0].name)
            message = f"`from . import {names}`: write `from .{names} import ...` (transformers copies only the files imported that way)"
            return self._problem(original, message, updated)
        else:
            written = "." * level + module
            return self._problem(
                original, f"`from {written} import ...` reaches outside the file's own module", updated
            )
        if target == "":  # the model's package itself: the module of each imported name
            return self._from_package(original, updated)
        if "." in target or not (self.source.folder / f"{target}.py").is_file():
            return self._problem(
                original, f"{self.source.module}.{target} is not a file of the model's folder", updated
            )
        self.local_modules.append(target)
        return updated.with_changes(relative=[cst.Dot()], module=cst.Name(target))

    def leave_Import(self, original: cst.Import, updated: cst.Import) -> cst.Import:
        for alias in updated.names:
            name = _dotted(alias.name)
            if self._project_target(name, original) is not None:
                self._problem(original, f"`import {name}`: write `from .module import Name` for the model's own code")
        return updated

    def _project_target(self, module: str, node: cst.CSTNode) -> str | None:
        """For an absolute import: the module of the model's folder it names ("" for the package), or None if it
        is an installed package's (problems are recorded)."""
        own = self.source.module
        if module == own or module.startswith(own + "."):
            return module[len(own) + 1 :]
        top = module.split(".")[0]
        if top == self.source.package:
            self._problem(node, f"imports {module}, a module of the project outside the model's folder")
            return None
        where = _installed_origin(top, self.source.root)
        if where == "missing" and not self._try_depth:
            self._problem(node, f"imports {module}, which is not installed")
        elif where == "local":
            self._problem(
                node, f"imports {module}, a local module that is not installed (the Hub folder cannot reach it)"
            )
        return None

    def _from_package(self, original: cst.ImportFrom, updated: cst.ImportFrom) -> cst.CSTNode:
        """`from PACKAGE.models.NAME import A, B` -> one `from .module import ...` per defining module."""
        if isinstance(updated.names, cst.ImportStar):
            return self._problem(
                original, "`import *` from the model's package: import names from its modules", updated
            )
        package = sys.modules.get(self.source.module)
        by_module: dict[str, list[cst.ImportAlias]] = {}
        for alias in updated.names:
            value = getattr(package, _dotted(alias.name), None)
            defined_in = getattr(value, "__module__", "") or ""
            target = (
                defined_in[len(self.source.module) + 1 :] if defined_in.startswith(self.source.module + ".") else ""
            )
            if not target or "." in target:
                return self._problem(
                    original, f"cannot tell which file of the model defines {_dotted(alias.name)}", updated
                )
            by_module.setdefault(target, []).append(alias.with_changes(comma=cst.MaybeSentinel.DEFAULT))
        self.local_modules.extend(by_module)
        statements = [
            cst.ImportFrom(module=cst.Name(m), names=names, relative=[cst.Dot()]) for m, names in by_module.items()
        ]
        return cst.FlattenSentinel(statements) if len(statements) > 1 else statements[0]

    def _problem(self, node: cst.CSTNode, message: str, result=None):
        line = self.get_metadata(PositionProvider, node).start.line
        self.problems.append(Problem(self.path, line, message))
        return result


def _dotted(node: cst.BaseExpression) -> str:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return f"{_dotted(node.value)}.{node.attr.value}"
    raise TypeError(node)


def _installed_origin(top: str, project: Path) -> str:
    """ "installed", "missing", or "local": found through the current folder or the project (which the Hub folder's
    users do not have), not through site-packages or an installed package's path."""
    if top in sys.builtin_module_names or top in sys.stdlib_module_names:
        return "installed"
    try:
        spec = importlib.util.find_spec(top)
    except (ImportError, ValueError):
        spec = None
    if spec is None:
        return "missing"
    origin = spec.origin or next(iter(spec.submodule_search_locations or []), None)
    if origin is None or origin in ("built-in", "frozen"):
        return "installed"
    origin = Path(origin).resolve()
    local = {Path.cwd().resolve(), project.resolve(), (project / "src").resolve()}
    for entry in sys.path:  # the first entry that holds it is where it was found
        folder = Path(entry or ".").resolve()
        if folder in origin.parents:
            return "local" if folder in local else "installed"
    return "installed"

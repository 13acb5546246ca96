"""Where a port is written, and how its files import the original.

* In a `modgen init` project: `src/PKG/models/NEW/` as `modgen like` lays a model out, registered when imported,
  tests in `tests/models/NEW/`. An original given as a file is copied into the folder (`original_<stem>.py`),
  so the model is whole (and exports as Hub code); one given as a module is imported from its package.
* `--beside`: the validation-mode layout, a package `hf_NEW/` beside the original file (or in DIR), importing the
  original where it is, its tests inside it. (Not named `transformers/`: a folder of that name on the path shadows
  the transformers library.)
"""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass, field
from pathlib import Path

from modgen.errors import UsageError
from modgen.port.target import Target
from modgen.repo import RepoKind, Repository


@dataclass
class Layout:
    kind: str  # "project" or "beside"
    root: Path  # everything is written below it (one transaction)
    model_dir: Path
    tests_file: Path
    package: str  # the model's package, imported by the tests: `mymodels.models.tiny_gpt`, `hf_tiny_gpt`
    original_module: str  # as the modeling file imports the original: `.original_model`, `timm.models.resnet`
    original_tests_module: str  # as the tests import it
    copy: Path | None = None  # the original file's copy in the model folder
    readme: Path | None = None  # the project's README, which gets a section
    pythonpath: list[Path] = field(default_factory=list)  # what running the tests needs on the path
    extra: list[Path] = field(default_factory=list)  # package inits to create

    def relative(self, path: Path) -> str:
        return str(path.relative_to(self.root))


def project_layout(repo_dir: Path, new_name: str, target: Target) -> Layout:
    repo = Repository.discover(repo_dir)
    if repo.kind is not RepoKind.PROJECT:
        raise UsageError(
            f"{repo.root} is a transformers checkout; modgen port writes into a project made by `modgen init`",
            hint="create one with `modgen init DIR --package NAME`, or write beside the original with --beside",
        )
    model_dir = repo.models_dir / new_name
    package = f"{repo.package}.models.{new_name}"
    tests_dir = repo.tests_dir / "models" / new_name
    layout = Layout(
        "project",
        repo.root,
        model_dir,
        tests_dir / f"test_modeling_{new_name}.py",
        package,
        "",
        "",
        readme=repo.root / "README.md",
        pythonpath=[repo.root / "src"],
        extra=[tests_dir / "__init__.py"],
    )
    if target.file is None:
        layout.original_module = layout.original_tests_module = target.module_name
    else:
        local = local_imports(target.file)
        if local:
            raise UsageError(
                f"{target.file.name} imports {', '.join(sorted(local))} from beside it; modgen port copies one file "
                "into the model's folder, which would not find them",
                path=target.file,
                hint="port with --beside (imports the original where it is), or install the original's package and "
                "give TARGET as package.module:Class",
            )
        stem = f"original_{target.file.stem}"
        layout.copy = model_dir / f"{stem}.py"
        layout.original_module, layout.original_tests_module = f".{stem}", f"{package}.{stem}"
    _refuse_existing(model_dir, new_name)
    return layout


def beside_layout(repo_dir: Path, new_name: str, target: Target) -> Layout:
    root = (target.file.parent if target.file else Path(repo_dir)).resolve()
    package = f"hf_{new_name}"
    model_dir = root / package
    _refuse_existing(model_dir, new_name)
    return Layout(
        "beside",
        root,
        model_dir,
        model_dir / f"test_modeling_{new_name}.py",
        package,
        target.module_name,
        target.module_name,
        pythonpath=[root],
    )


def _refuse_existing(model_dir: Path, new_name: str) -> None:
    if model_dir.exists():
        raise UsageError(
            f"{model_dir} exists: a model named {new_name} is there already",
            hint="choose another --name, or remove that folder first",
        )


def local_imports(file: Path) -> set[str]:
    """The modules a file imports from its own folder (relative imports, or siblings that shadow nothing)."""
    tree = ast.parse(file.read_text(encoding="utf-8"), filename=str(file))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level:
            found.add("." * node.level + (node.module or ""))
            continue
        names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
        if isinstance(node, ast.ImportFrom):
            names = [node.module]
        for name in names:
            top = name.split(".")[0]
            if top in sys.stdlib_module_names:
                continue
            if (file.parent / f"{top}.py").is_file() or (file.parent / top / "__init__.py").is_file():
                found.add(top)
    return found

"""The model to export: which project, which folder, which Python package."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from modgen.errors import UsageError
from modgen.repo import RepoKind, Repository


@dataclass(frozen=True)
class ModelSource:
    """A model of a `modgen init` project: `src/PACKAGE/models/NAME/`, imported as `PACKAGE.models.NAME`."""

    root: Path  # the project
    package: str
    name: str
    folder: Path

    @property
    def src(self) -> Path:
        return self.root / "src"

    @property
    def module(self) -> str:
        return f"{self.package}.models.{self.name}"

    def module_path(self, module: str) -> Path | None:
        """`PACKAGE.models.NAME.modeling_x` -> its file in the model folder; None for modules outside it."""
        prefix = self.module + "."
        if not module.startswith(prefix) or "." in module[len(prefix) :]:
            return None
        path = self.folder / f"{module[len(prefix) :]}.py"
        return path if path.is_file() else None


def find_model(model: str, repo_dir: Path | str = ".") -> ModelSource:
    """MODEL is a model's name (`models/NAME/` of the project) or the path of its folder."""
    path = Path(model)
    if path.is_dir() and (path / "__init__.py").is_file():
        repo_dir = path
    repo = Repository.discover(repo_dir)
    if repo.kind is not RepoKind.PROJECT:
        raise UsageError(
            f"{repo.root} is a transformers checkout; modgen export exports the models of a `modgen init` project",
            hint="models of transformers itself need no export: they load without trust_remote_code",
        )
    name = path.resolve().name if path.is_dir() else model
    folder = repo.models_dir / name
    if not (folder / "__init__.py").is_file():
        known = sorted(p.name for p in repo.models_dir.glob("*/__init__.py") for p in [p.parent])
        raise UsageError(
            f"no model {model!r} in {repo.models_dir}",
            hint=f"models of this project: {', '.join(known)}"
            if known
            else "add one with `modgen like PARENT --name NEW`",
        )
    return ModelSource(repo.root, repo.package, name, folder)

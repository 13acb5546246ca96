"""What `modgen modularize` works on: the models among the paths given, and the parents each may inherit from.

Paths are model folders or model files (`modeling_*.py`, `configuration_*.py`, ...); the files of one folder and
one model name make one model (`data2vec/` holds three). Parents are models of the transformers in use (the tree
the files lie in, else the installed one): those named with `--parent`, else the models `modgen closest` ranks
first. Every file of a parent model of a type the flattener knows is a parent module; the target's own folder is
never its own parent.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from modgen.errors import UsageError
from modgen.modular.batch import GENERATED_BANNER
from modgen.modularize.target import TargetModel, read_target
from modgen.repo import FILE_TYPES, TransformersTree, split_file_name


# How many of the models `modgen closest` ranks first a target may inherit from (class by class).
CLOSEST_PARENTS = 3


@dataclass
class Job:
    """One model to modularize: its files, the parent modules, and where its modular file goes (paths only: a
    job goes to a worker process)."""

    name: str
    files: list[Path]
    parents: list[Path]
    destination: Path
    parent_models: list[str]

    def target(self) -> TargetModel:
        return read_target(self.files, name=self.name)


def model_files(paths: list[Path]) -> dict[tuple[Path, str], list[Path]]:
    """(folder, model name) -> its files, from files and folders (each folder's models, sorted)."""
    groups: dict[tuple[Path, str], list[Path]] = {}
    for given in paths:
        path = Path(given)
        if not path.exists():
            raise UsageError(f"{path} does not exist")
        if path.is_dir():
            found = _folder_files(path)
            if not found:
                raise UsageError(
                    f"no model file in {path}",
                    hint=f"a model folder holds files named <type>_<model>.py, type one of {', '.join(FILE_TYPES)}",
                )
        elif _is_model_file(path):
            found = [path]
        else:
            raise UsageError(
                f"{path.name} is not a model file",
                path=path,
                hint=f"model files are named <type>_<model>.py, type one of {', '.join(FILE_TYPES)}",
            )
        for file in found:
            key = (file.resolve().parent, split_file_name(file)[1])
            groups.setdefault(key, [])
            if file.resolve() not in groups[key]:
                groups[key].append(file.resolve())
    return groups


def _folder_files(folder: Path) -> list[Path]:
    """A folder's model files; where some were generated from a modular file, those (the others, written by
    hand next to them, are not the modular file's to generate)."""
    files = [p for p in sorted(folder.glob("*.py")) if _is_model_file(p)]
    generated = [p for p in files if _generated(p)]
    return generated or files


def _generated(path: Path) -> bool:
    with path.open(encoding="utf-8", errors="replace") as handle:
        return GENERATED_BANNER in "".join(handle.readline() for _ in range(3))


def _is_model_file(path: Path) -> bool:
    split = split_file_name(path)
    return path.suffix == ".py" and split is not None and split[0] in FILE_TYPES


def parent_files(model: str, tree: TransformersTree, target: TargetModel | None = None) -> list[Path]:
    """The files of a model of `tree` that a modular file can inherit from (the target's own files aside)."""
    files = tree.resolve_model(model)
    own = {file.path.resolve() for file in target.files.values()} if target is not None else set()
    return [
        path
        for path in files.files
        if _is_model_file(path)
        and path.resolve() not in own
        and not (
            target is not None
            and path.parent.resolve() == target.folder.resolve()
            and split_file_name(path)[1] == target.name
        )
    ]


def closest_models(target: TargetModel, tree: TransformersTree, count: int = CLOSEST_PARENTS) -> list[str]:
    """The models `modgen closest` ranks first for the target's modeling file."""
    from modgen.similarity import rank

    modeling = target.files.get("modeling")
    if modeling is None:
        raise UsageError(
            f"{target.name} has no modeling file to find its closest models by",
            hint="name the models to inherit from with --parent MODEL",
        )
    return [match.model for match in rank(modeling.path, tree, top=count)]


def make_jobs(
    paths: list[Path],
    parents: list[str],
    tree: TransformersTree | None,
    *,
    name: str | None = None,
    out: Path | None = None,
) -> list[Job]:
    groups = model_files(paths)
    if name is not None and len(groups) > 1:
        raise UsageError("--name names one model, and the paths hold several", hint="give one model's files")
    jobs = []
    for (folder, model), files in groups.items():
        target = read_target(files, name=name or model)
        use = tree or TransformersTree.for_file(folder)
        models = list(parents) or closest_models(target, use)
        parent_paths = [path for model_name in models for path in parent_files(model_name, use, target)]
        destination = (out / folder.name if out is not None else folder) / f"modular_{target.name}.py"
        jobs.append(Job(target.name, files, parent_paths, destination, models))
    return jobs

"""What `--changed` and PATH arguments check: the files given or changed, and everything that depends on them.

Changed files are those that differ from `--base` (default HEAD) in the working tree or the index, plus
untracked ones (git, via gitpython). Dependants: copies whose source file is selected (here), and modular files
whose own file, parent files or generated files are selected (`ModularGraph`).
"""

from __future__ import annotations

from pathlib import Path

from modgen.copies.engine import MarkerSite
from modgen.errors import UsageError
from modgen.repo import Repository


def changed_files(repo: Repository, base: str = "HEAD") -> set[Path]:
    import git

    try:
        handle = repo.git()
        names = handle.git.diff("--name-only", "--no-renames", base).splitlines()
        names += handle.git.ls_files("--others", "--exclude-standard").splitlines()
    except git.InvalidGitRepositoryError as error:
        raise UsageError(f"{repo.root} is not a git repository", hint="--changed needs git") from error
    except git.GitCommandError as error:
        raise UsageError(
            f"git cannot compare with {base!r}: {error.stderr.strip()}", hint="give an existing revision with --base"
        ) from error
    return {(repo.root / name).resolve() for name in names if name.endswith(".py")}


def given_files(paths: list[str | Path]) -> set[Path]:
    selected = set()
    for given in paths:
        path = Path(given).resolve()
        if path.is_dir():
            selected.update(p.resolve() for p in path.rglob("*.py"))
        elif path.suffix == ".py":
            selected.add(path)  # a deleted file still selects the copies of what it held
    return selected


def source_candidates(site: MarkerSite) -> list[Path]:
    """Every file the marker's source could be in (`a.py`, `a/b.py`, ...): one may have been deleted."""
    parts = site.marker.object_path.split(".")
    return [site.area.base.joinpath(*parts[:k]).with_suffix(".py") for k in range(1, len(parts))]


def selected_sites(sites: list[MarkerSite], selected: set[Path]) -> list[MarkerSite]:
    """Markers in a selected file, or whose source file is selected (all paths absolute and resolved)."""
    return [s for s in sites if s.path in selected or any(p in selected for p in source_candidates(s))]

"""Formatting what modgen writes with ruff, as transformers does: `ruff check --fix`, then `ruff format`.

ruff runs once over a whole batch of files (one process per step, not per file): upstream's tools start one
ruff process per file, which is most of their run time.
"""

from __future__ import annotations

import functools
import shutil
import subprocess
import tempfile
from pathlib import Path

from modgen.errors import ModgenError


# transformers' own ruff settings (5.23.0's pyproject.toml, the parts that change formatted output). Used when
# the repository being written has no ruff configuration of its own.
DEFAULT_RUFF_CONFIG = Path(__file__).with_name("ruff_transformers.toml")


@functools.cache
def ruff_binary() -> str:
    """The ruff executable of the installed ruff package (pinned), wherever its scripts folder is."""
    import ruff
    from ruff.__main__ import find_ruff_bin

    try:
        return str(find_ruff_bin())
    except FileNotFoundError:  # e.g. a virtualenv using the system's site-packages: the script is the system's
        beside_package = Path(ruff.__file__).parents[4] / "bin" / "ruff"
        found = str(beside_package) if beside_package.is_file() else shutil.which("ruff")
        if found is None:
            raise ModgenError("the ruff executable is not installed", hint="pip install ruff==0.14.10") from None
        return found


def ruff_config_for(root: Path | None) -> Path:
    """The repository's pyproject.toml when it configures ruff, else transformers' settings."""
    if root is not None:
        pyproject = root / "pyproject.toml"
        if pyproject.is_file() and "[tool.ruff" in pyproject.read_text(encoding="utf-8"):
            return pyproject
    return DEFAULT_RUFF_CONFIG


def run_ruff(paths: list[Path], config: Path, *, fix: bool = True, cwd: Path | None = None) -> None:
    """`ruff check --fix` then `ruff format` over `paths`, in place."""
    if not paths:
        return
    ruff = ruff_binary()
    files = [str(p) for p in paths]
    common = ["--config", str(config), "--no-cache", "--quiet"]
    steps = []
    if fix:
        steps.append([ruff, "check", "--fix", "--exit-zero", *common, *files])
    steps.append([ruff, "format", *common, *files])
    for command in steps:
        result = subprocess.run(command, capture_output=True, text=True, cwd=cwd)
        if result.returncode != 0:
            raise ModgenError(f"ruff failed ({' '.join(command[1:3])}):\n{result.stderr or result.stdout}")


def format_sources(sources: dict[str, str], config: Path) -> dict[str, str]:
    """Format many sources at once. Keys are file names (their base name decides per-file rules)."""
    with tempfile.TemporaryDirectory(prefix="modgen-ruff-") as tmp:
        paths = {}
        for index, (name, text) in enumerate(sources.items()):
            # One folder per source keeps equal base names apart while letting per-file rules see the name.
            path = Path(tmp, str(index), Path(name).name)
            path.parent.mkdir()
            path.write_text(text, encoding="utf-8")
            paths[name] = path
        run_ruff(list(paths.values()), config, cwd=Path(tmp))
        return {name: path.read_text(encoding="utf-8") for name, path in paths.items()}

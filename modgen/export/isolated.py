"""A Python process as a user of the folder has it: transformers and torch, and neither modgen nor the project.

`python -I -S` ignores PYTHONPATH, the current folder and the `.pth` files of site-packages (which is how editable
installs, modgen's among them, put themselves on the path); the site-packages folders themselves are added back,
so installed packages import and editable ones do not. Remote code goes to a modules cache of its own, offline.
"""

from __future__ import annotations

import os
import site
import subprocess
import sys
from pathlib import Path


def clean_command(code: str) -> list[str]:
    folders = [*site.getsitepackages(), site.getusersitepackages()]
    boot = f"import sys; sys.path.extend({[f for f in folders if os.path.isdir(f)]!r})\n"
    return [sys.executable, "-I", "-S", "-c", boot + code]


def clean_env(modules_cache: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env.update(HF_MODULES_CACHE=str(modules_cache), HF_HUB_OFFLINE="1", TRANSFORMERS_VERBOSITY="error")
    return env


def run_clean(code: str, *, cwd: Path, modules_cache: Path, timeout: float = 900) -> subprocess.CompletedProcess:
    """Run `code` in a clean process in `cwd`; its output captured."""
    return subprocess.run(
        clean_command(code),
        cwd=cwd,
        env=clean_env(modules_cache),
        capture_output=True,
        text=True,
        timeout=timeout,
    )

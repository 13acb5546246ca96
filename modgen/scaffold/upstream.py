"""What transformers' CI will say about the generated files: it compares them with the output of its own
converter (`utils/check_modular_conversion.py`), which differs from modgen's on purpose in a few cases (modgen
puts a class after the class it inherits from, where upstream's output does not import).

Where the repository has `utils/modular_model_converter.py` (a transformers checkout), its `convert_modular_file`
is run on the new modular file, in a process of its own with the repository's sources first, its output formatted
as transformers formats it, and compared with what `like` wrote. Differences are said, not fixed: the user
decides which file to keep.
"""

from __future__ import annotations

import difflib
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path

from modgen.formatting import format_sources, ruff_config_for


CONVERTER = Path("utils") / "modular_model_converter.py"

_RUN = """
import json, sys
sys.path.insert(0, "utils")
from modular_model_converter import convert_modular_file
with open(sys.argv[2], "w", encoding="utf-8") as out:
    json.dump(convert_modular_file(sys.argv[1]), out)
"""


def upstream_outputs(root: Path, modular: Path) -> dict[str, str] | None:
    """File name -> text of what the repository's own converter writes for `modular`; None without a converter,
    or when it fails (its message is then not modgen's to report)."""
    if not (root / CONVERTER).is_file():
        return None
    relative = modular.relative_to(root).as_posix()
    with tempfile.TemporaryDirectory(prefix="modgen-upstream-") as scratch:
        result_path = Path(scratch) / "outputs.json"
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(root / "src"), os.environ.get("PYTHONPATH", "")])}
        run = subprocess.run(
            [sys.executable, "-c", _RUN, relative, str(result_path)], cwd=root, env=env, capture_output=True, text=True
        )
        if run.returncode != 0 or not result_path.is_file():
            return None
        converted = json.loads(result_path.read_text(encoding="utf-8"))
    stem = modular.name.removeprefix("modular_").removesuffix(".py")
    named = {}
    for file_type, text in converted.items():
        prefix, _, suffix = file_type.partition(".*")
        named[f"{prefix}_{stem}{suffix}.py"] = text
    return format_sources(named, ruff_config_for(root))


def differences(written: Mapping[Path, str], upstream: Mapping[str, str]) -> list[str]:
    """One line per generated file upstream's converter writes differently, saying how."""
    found = []
    for path, text in written.items():
        theirs = upstream.get(path.name)
        if theirs is None or theirs == text:
            continue
        ours_lines, their_lines = text.splitlines(), theirs.splitlines()
        changed = sum(
            max(i2 - i1, j2 - j1)
            for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=their_lines, b=ours_lines).get_opcodes()
            if tag != "equal"
        )
        if sorted(ours_lines) == sorted(their_lines):
            how = "the same lines in another order"
        else:
            how = f"{changed} line{'s differ' if changed > 1 else ' differs'}"
        found.append(f"{path.name}: {how}")
    missing = sorted(set(upstream) - {path.name for path in written})
    found += [f"{name}: written by upstream's converter, not by modgen" for name in missing]
    return found

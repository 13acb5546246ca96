"""`modgen port` on the three models issue 13 names, each into a new `modgen init` project, as a user runs it:
the command (which runs the tests it wrote, in a new process), the written tests run again with pytest, and a new
Python process that loads the port through the Auto classes from the original's state dict and compares it with
the original built from its own code (not the port's copy)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.port.helpers import CASES, load_through_auto, modgen, new_project


pytestmark = pytest.mark.slow


@pytest.mark.parametrize("key", list(CASES))
def test_port_into_project(tmp_path: Path, key: str):
    case = CASES[key]
    project = new_project(tmp_path / "project")
    examples = [a for e in case.examples for a in ("--example", e)]
    result = modgen("port", case.target, "--name", case.name, *examples, cwd=project)
    assert result.returncode == 0, result.stderr + result.stdout
    assert f"as {case.model_class} ({case.task}, {case.auto})" in result.stdout
    assert "The written tests pass" in result.stdout

    model_dir = project / "src" / "portmodels" / "models" / case.name
    for name in ("__init__.py", f"configuration_{case.name}.py", f"modeling_{case.name}.py", "MODEL_CARD.md"):
        assert (model_dir / name).is_file(), name
    assert "import transformers" not in (model_dir / f"modeling_{case.name}.py").read_text().replace(
        "from transformers", ""
    )

    # the written tests, once more as the user runs them (`make test` of the project runs the same files)
    tests = project / "tests" / "models" / case.name
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tests)],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert " passed" in run.stdout and "failed" not in run.stdout

    loaded = load_through_auto(project, case, f"portmodels.models.{case.name}")
    assert loaded["class"] == case.model_class
    assert loaded["missing"] == [] and loaded["unexpected"] == []
    assert loaded["max_difference"] <= 1e-5
    assert not loaded["modgen_imported"]

    card = (model_dir / "MODEL_CARD.md").read_text()
    front = card.split("---")[1]
    assert "library_name: transformers" in front and f"pipeline_tag: {_pipeline_tag(case.task)}" in front
    assert "license:" in front
    assert case.model_class in card and "## Citation" in card
    readme = (project / "README.md").read_text()
    assert f"portmodels.models.{case.name}" in readme


def _pipeline_tag(task: str) -> str:
    return {
        "image-classification": "image-classification",
        "causal-lm": "text-generation",
        "seq2seq-lm": "text2text-generation",
    }[task]

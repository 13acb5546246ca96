"""The import rewriter, input -> expected, on files of a model folder on disk (no import of the model)."""

from __future__ import annotations

from pathlib import Path

import pytest

from modgen.export.carry import carry
from modgen.export.project import ModelSource


def source_with(tmp_path: Path, modeling: str, **others: str) -> ModelSource:
    folder = tmp_path / "src" / "pkg" / "models" / "m"
    folder.mkdir(parents=True)
    (folder / "__init__.py").write_text("")
    (folder / "modeling_m.py").write_text(modeling)
    (folder / "configuration_m.py").write_text("class MConfig:\n    pass\n")
    for name, text in others.items():
        (folder / f"{name}.py").write_text(text)
    return ModelSource(tmp_path, "pkg", "m", folder)


REWRITES = [
    ("from .configuration_m import MConfig\n", "from .configuration_m import MConfig\n"),
    ("from pkg.models.m.configuration_m import MConfig\n", "from .configuration_m import MConfig\n"),
    (
        "from pkg.models.m.configuration_m import (\n    MConfig,  # the config\n)\n",
        "from .configuration_m import (\n    MConfig,  # the config\n)\n",
    ),
    ("import torch\nfrom torch import nn\nfrom transformers import PreTrainedModel\n", None),
    ("try:\n    import surely_not_installed\nexcept ImportError:\n    surely_not_installed = None\n", None),
    (
        "def f():\n    from pkg.models.m.configuration_m import MConfig\n    return MConfig\n",
        "def f():\n    from .configuration_m import MConfig\n    return MConfig\n",
    ),
]


@pytest.mark.parametrize(("code", "expected"), REWRITES)
def test_rewrites(tmp_path, code, expected):
    carried = carry(source_with(tmp_path, code), ["pkg.models.m.modeling_m"])
    assert carried.problems == []
    assert carried.texts["modeling_m.py"] == (code if expected is None else expected)
    assert ("configuration_m.py" in carried.texts) == ("configuration_m" in code)


def test_follows_imports_through_the_folder(tmp_path):
    source = source_with(
        tmp_path, "from .layers import Block\n", layers="from pkg.models.m.helpers import act\n", helpers="act = 1\n"
    )
    carried = carry(source, ["pkg.models.m.modeling_m"])
    assert sorted(carried.texts) == ["helpers.py", "layers.py", "modeling_m.py"]
    assert carried.texts["layers.py"] == "from .helpers import act\n"


PROBLEMS = [
    (
        "import torch\nfrom pkg.common import helper\n",
        2,
        "imports pkg.common, a module of the project outside the model's folder",
    ),
    ("from ..common import helper\n", 1, "`from ..common import ...` reaches outside the file's own module"),
    (
        "import pkg.models.m.configuration_m\n",
        1,
        "`import pkg.models.m.configuration_m`: write `from .module import Name`",
    ),
    ("from .missing_file import x\n", 1, "pkg.models.m.missing_file is not a file of the model's folder"),
    ("\n\nimport surely_not_installed\n", 3, "imports surely_not_installed, which is not installed"),
    (
        "from . import configuration_m\n",
        1,
        "`from . import configuration_m`: write `from .configuration_m import ...`",
    ),
]


@pytest.mark.parametrize(("code", "line", "message"), PROBLEMS)
def test_problems(tmp_path, code, line, message):
    carried = carry(source_with(tmp_path, code), ["pkg.models.m.modeling_m"])
    assert [(p.path.name, p.line) for p in carried.problems] == [("modeling_m.py", line)]
    assert message in carried.problems[0].message

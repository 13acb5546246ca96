"""Features of units: API names resolved through imports, config fields, nn.Module detection."""

from __future__ import annotations

from pathlib import Path

from modgen.similarity.canonical import feature_id
from modgen.similarity.features import file_units


def _units(tmp_path: Path, source: str, name: str = "model.py"):
    path = tmp_path / name
    path.write_text(source)
    return {unit.name: unit for unit in file_units(path)}


def test_api_names_are_the_same_however_torch_was_imported(tmp_path):
    first = _units(
        tmp_path,
        "import torch.nn.functional as F\nfrom torch import nn\n"
        "class A(nn.Module):\n    def forward(self, x):\n        return F.silu(x)\n",
        "a.py",
    )["A"]
    second = _units(
        tmp_path,
        "import torch\nfrom torch.nn import functional as fn, Module\n"
        "class B(Module):\n    def forward(self, x):\n        return fn.silu(x)\n",
        "b.py",
    )["B"]
    silu = feature_id("api", "F.silu")
    assert first.features[silu] >= 1 and second.features[silu] >= 1
    assert first.is_module and second.is_module


def test_config_fields_and_attributes_are_features(tmp_path):
    unit = _units(
        tmp_path,
        "from torch import nn\nclass M(nn.Module):\n    def __init__(self, args):\n"
        "        super().__init__()\n        self.proj = nn.Linear(args.dim, args.dim)\n",
    )["M"]
    assert unit.features[feature_id("cfg", "dim")] == 2
    assert unit.features[feature_id("attr", "proj")] == 1
    assert unit.features[feature_id("kw", "nn.Linear:bias")] == 0


def test_modules_are_found_through_local_bases(tmp_path):
    units = _units(
        tmp_path,
        "import torch\nclass Base(torch.nn.Module):\n    pass\nclass Child(Base):\n    pass\n"
        "class Plain:\n    pass\ndef helper():\n    return 1\n",
    )
    assert units["Base"].is_module and units["Child"].is_module
    assert not units["Plain"].is_module and units["helper"].kind == "function"

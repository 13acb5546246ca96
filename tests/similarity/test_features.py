"""Features of units: API names resolved through imports, config fields, nn.Module detection."""

from __future__ import annotations

from pathlib import Path

import pytest

from modgen.errors import ModgenError
from modgen.similarity.canonical import feature_id
from modgen.similarity.features import file_units, file_vocabulary


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


FRAMEWORKS = Path(__file__).with_name("fixtures") / "frameworks"


@pytest.mark.parametrize(
    ("fixture", "modules"),
    [
        # The situations of the research files that were refused: no class derives from nn.Module directly.
        ("timm_subclass.py", {"DistilledViT"}),  # timm's VisionTransformer, and a forward (DeiT)
        ("fairseq_model.py", {"SpeechEncoderModel"}),  # fairseq's BaseFairseqModel (HuBERT, wav2vec 2.0)
        ("streaming_module.py", {"CodebooksLM"}),  # audiocraft's StreamingModule (MusicGen)
        ("own_base_model.py", {"DepthHead", "ScaledDepthHead"}),  # a BaseModel of the package, and its subclass
        ("autograd_kernel.py", {"SquareLayer"}),  # a forward makes a module; an autograd Function is not one
    ],
)
def test_framework_base_classes_make_modules(fixture, modules):
    units = {unit.name: unit for unit in file_units(FRAMEWORKS / fixture)}
    assert {name for name, unit in units.items() if unit.is_module} == modules


def test_kinds_of_definitions(tmp_path):
    units = _units(
        tmp_path,
        "from dataclasses import dataclass\nimport torch\nfrom torch import nn\n"
        "from transformers.modeling_outputs import BaseModelOutput\n"
        "from transformers.configuration_utils import PretrainedConfig\n"
        "class Out(BaseModelOutput):\n    pass\n"
        "@dataclass\nclass LMOutput:\n    logits: torch.Tensor\n"
        "@dataclass\nclass ModelArgs:\n    dim: int = 8\n"
        "class BobConfig(PretrainedConfig):\n    pass\n"
        "class Conv(nn.Conv2d):\n    pass\n"
        "class Plain:\n    pass\n"
        "def helper():\n    return 1\n",
    )
    assert {name: unit.kind for name, unit in units.items()} == {
        "Out": "output",
        "LMOutput": "output",
        "ModelArgs": "config",
        "BobConfig": "config",
        "Conv": "module",
        "Plain": "class",
        "helper": "function",
    }


def test_vocabulary_is_every_identifier_of_the_text():
    vocabulary = file_vocabulary("# ported from the c_attn of GPT-2\nself.c_attn = nn.Linear(n_embd, 3 * n_embd)\n")
    assert vocabulary[feature_id("tok", "c_attn")] == 2
    assert vocabulary[feature_id("tok", "n_embd")] == 2
    assert vocabulary[feature_id("tok", "GPT")] == 1


def test_files_that_are_not_python_are_told_so(tmp_path):
    for name, text in (("README.md", "# A model\n\n1st release: see 2.0 notes\n"), ("NOTES.md", "# parses\n")):
        (tmp_path / name).write_text(text)
        with pytest.raises(ModgenError) as error:
            file_units(tmp_path / name)
        assert error.value.message == "not a Python file" and error.value.line is None
    script = tmp_path / "train"  # no suffix: Python if it parses
    script.write_text("import torch\nclass M(torch.nn.Module):\n    pass\n")
    assert [unit.name for unit in file_units(script)] == ["M"]
    binary = tmp_path / "weights.py"
    binary.write_bytes(bytes(range(256)))
    with pytest.raises(ModgenError, match="not a Python file: it holds binary data") as error:
        file_units(binary)
    assert error.value.hint and error.value.path == binary
    broken = tmp_path / "broken.py"
    broken.write_text("def f(:\n")
    with pytest.raises(ModgenError, match="does not parse"):
        file_units(broken)

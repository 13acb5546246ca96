"""The models a file names: word runs of its definitions' names, versions kept, roots first."""

from __future__ import annotations

import ast

import numpy as np
import pytest

from modgen.similarity.names import given_names, model_keys, named_keys, named_share, words


MODELS = ["swin", "swinv2", "resnet", "esm", "xlstm", "dinov2", "vit", "levit", "dpt", "opt", "qwen2", "qwen2_moe"]
KEYS = model_keys(MODELS, {"swinv2": ["Swinv2"], "resnet": ["ResNet"], "qwen2_moe": ["Qwen2Moe"], "levit": ["Levit"]})


@pytest.mark.parametrize(
    ("identifier", "is_class", "named"),
    [
        ("ESM2", True, {"esm"}),
        ("xLSTMLarge", True, {"xlstm"}),
        ("DPT_DINOv2", True, {"dpt", "dinov2"}),
        # The longest run only: LeViT is levit, not the vit inside it; Qwen2Moe is qwen2_moe, not qwen2.
        ("LeViT_128S", True, {"levit"}),
        ("Qwen2MoeDecoderLayer", True, {"qwen2moe"}),
        # A trailing version belongs to the name, wherever it starts; a version no model has names none.
        ("SwinTransformerV2", True, {"swinv2"}),
        ("ResNetV2", True, set()),
        # Short keys are ordinary words of code: in class names only.
        ("OPTDecoder", True, {"opt"}),
        ("opt_init", False, set()),
        ("Optional", True, set()),
        ("ImageEncoder", True, set()),
    ],
)
def test_named_keys(identifier, is_class, named):
    assert named_keys(identifier, KEYS, is_class=is_class) == named


def test_words_split_camel_case_acronyms_and_digits():
    assert words("DINOv2Backbone_v3") == ["din", "ov", "2", "backbone", "v", "3"]
    assert words("MSDeformAttn") == ["ms", "deform", "attn"]


def test_roots_name_the_file_more_than_its_parts():
    module = ast.parse(
        "from dinov2.layers import Block\n"
        "def make_head():\n    return DPTHead()\n"
        "class DPTHead:\n    pass\n"
        "class DPTDepthModel(DPTHead):\n    pass\n"
    )
    names = {name.text: name.weight for name in given_names(module)}
    assert names["DPTDepthModel"] == 1.0 and names["make_head"] == 1.0  # used by no other definition
    assert names["DPTHead"] < 1.0 and names["dinov2"] < 1.0  # a part, and an imported package
    share = named_share(given_names(module), KEYS, len(MODELS), np.zeros(len(MODELS), dtype=bool))
    share = dict(zip(MODELS, share, strict=True))
    assert sum(share.values()) == pytest.approx(1.0)
    assert share["dpt"] > 3 * share["dinov2"] > 0  # the root and a part, against the package
    assert {model for model, value in share.items() if value} == {"dpt", "dinov2"}


def test_an_excluded_model_keeps_its_share_of_the_naming():
    module = ast.parse("class Qwen2MoeModel:\n    pass\nclass Qwen2Helper:\n    pass\n")
    excluded = np.array([model == "qwen2_moe" for model in MODELS])  # the file's own model
    share = dict(zip(MODELS, named_share(given_names(module), KEYS, len(MODELS), excluded), strict=True))
    assert share["qwen2_moe"] == 0 and share["qwen2"] == pytest.approx(0.5)  # half of what the file names


def test_a_package_modules_are_built_from_points_to_the_models_citing_it():
    module = ast.parse(
        "import fire\n"
        "from metaseq.models import BaseDecoder\n"
        "from metaseq.modules import LayerNorm\n"
        "from timm.layers import DropPath\n"
        "class Decoder(BaseDecoder):\n"
        "    def __init__(self):\n        self.norm = LayerNorm(8)\n        self.drop = DropPath(0.1)\n"
        "if __name__ == '__main__':\n    fire.Fire(Decoder)\n"
    )
    assert {name.text: name.builds for name in given_names(module) if name.weight < 1} == {
        "fire": False,  # imported, but no module is built from it
        "metaseq": True,
        "timm": True,
    }
    # metaseq is cited by one model (OPT's port credits it), timm by half of them: it says next to nothing.
    cited = {"metaseq": np.array([MODELS.index("opt")]), "timm": np.arange(0, len(MODELS), 2)}
    share = named_share(
        given_names(module), KEYS, len(MODELS), np.zeros(len(MODELS), dtype=bool), lambda word: cited[word]
    )
    share = dict(zip(MODELS, share, strict=True))
    assert max(share, key=share.get) == "opt"
    assert share["opt"] > 10 * share["swin"] > 0  # swin: one of the models citing timm

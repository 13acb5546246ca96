"""Structural signatures: the same layer written two ways has one signature; different layers differ."""

from __future__ import annotations

import ast
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from modgen.similarity.canonical import feature_id
from modgen.similarity.classmap import one_to_one
from modgen.similarity.features import _FeatureReader, file_units, import_aliases
from modgen.similarity.index import STRUCTURE_WEIGHTS
from modgen.similarity.sparse import TfidfMatrix
from modgen.similarity.structure import signatures


HEADER = "import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\nfrom torch.nn import functional\n\n\n"


def signature_of(source: str, name: str):
    module = ast.parse(HEADER + source)
    return signatures(module, _FeatureReader(import_aliases(module), ()).resolve)[name]


SWIGLU_RESEARCH = """
class FeedForward(nn.Module):
    def __init__(self, dim, hidden):
        super().__init__()
        self.w1 = nn.Linear(dim, hidden, bias=False)
        self.w2 = nn.Linear(hidden, dim, bias=False)
        self.w3 = nn.Linear(dim, hidden, bias=False)

    def forward(self, x):
        return self.w2(F.silu(self.w1(x)) * self.w3(x))
"""
SWIGLU_TRANSFORMERS = """
class LlamaMLP(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.gate_proj = nn.Linear(config.hidden_size, config.intermediate_size, bias=False)
        self.up_proj = nn.Linear(config.hidden_size, config.intermediate_size, bias=False)
        self.down_proj = nn.Linear(config.intermediate_size, config.hidden_size, bias=False)
        self.act_fn = ACT2FN[config.hidden_act]

    def forward(self, x):
        down_proj = self.down_proj(self.act_fn(self.gate_proj(x)) * self.up_proj(x))
        return down_proj
"""
GELU_MLP = """
class Mlp(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.fc1 = nn.Linear(dim, 4 * dim)
        self.fc2 = nn.Linear(4 * dim, dim)

    def forward(self, x):
        return self.fc2(F.gelu(self.fc1(x)))
"""
INLINE_ATTENTION = """
class Attention(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x):
        q, k, v = self.qkv(x).chunk(3, dim=-1)
        weights = torch.einsum("bqd,bkd->bqk", q, k).softmax(dim=-1)
        return self.proj(torch.einsum("bqk,bkd->bqd", weights, v))
"""
SDPA_ATTENTION = """
class Attention(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x):
        q, k, v = self.qkv(x).chunk(3, dim=-1)
        return self.proj(functional.scaled_dot_product_attention(q, k, v))
"""
HELPER_ATTENTION = """
def eager_attention_forward(module, query, key, value):
    weights = nn.functional.softmax(torch.matmul(query, key.transpose(-1, -2)), dim=-1)
    return torch.matmul(weights, value)


class Attention(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x):
        q, k, v = self.qkv(x).chunk(3, dim=-1)
        attention_interface = eager_attention_forward
        return self.proj(attention_interface(self, q, k, v))
"""


def test_renamed_layers_and_activation_tables_have_one_signature():
    assert signature_of(SWIGLU_RESEARCH, "FeedForward") == signature_of(SWIGLU_TRANSFORMERS, "LlamaMLP")
    role, gelu = signature_of(GELU_MLP, "Mlp")
    assert role == "mlp" and gelu != signature_of(SWIGLU_RESEARCH, "FeedForward")[1]


@pytest.mark.parametrize("other", [SDPA_ATTENTION, HELPER_ATTENTION])
def test_einsum_sdpa_and_a_folded_helper_are_one_attention(other):
    assert signature_of(INLINE_ATTENTION, "Attention") == signature_of(other, "Attention")
    assert signature_of(other, "Attention")[0] == "attention"


@pytest.mark.parametrize(
    ("fixture", "roles"),
    [
        (
            "tiny_llama.py",
            {
                "RMSNorm": "norm",
                "SelfAttention": "attention",
                "FeedForward": "mlp",
                "TransformerBlock": "block",
                "Transformer": "model",
                "precompute_freqs": "position",
            },
        ),
        ("attention_only.py", {"GQAttention": "attention", "precompute_freqs_cis": "position"}),
        ("tiny_gpt2.py", {"CausalSelfAttention": "attention", "MLP": "mlp", "Block": "block", "GPT": "model"}),
        ("moe_block.py", {"Expert": "mlp", "SparseMoE": "moe"}),
    ],
)
def test_roles_of_research_classes(fixture, roles):
    units = {u.name: u.role for u in file_units(Path(__file__).with_name("fixtures") / fixture)}
    assert {name: units[name] for name in roles} == roles


def test_one_to_one_gives_each_model_class_to_one_target_class():
    # Both targets are closest to column 0; the closer one keeps it, the other gets its next best.
    pairs = np.array([[0.9, 0.8, 0.1], [0.95, 0.2, 0.3]])
    assert one_to_one(pairs) == [1, 0]
    # More targets than model classes, and a target compatible with nothing: no match.
    assert one_to_one(np.array([[0.5], [0.7], [0.0]])) == [-1, 0, -1]


def test_containment_is_asymmetric_where_the_cosine_is_not():
    core = Counter({feature_id("op", "matmul"): 2, feature_id("op", "softmax"): 1})
    whole = core + Counter({feature_id("op", "concat"): 3, feature_id("layer", "linear"): 4})
    matrix = TfidfMatrix.from_bags([whole, Counter({feature_id("op", "conv"): 1})])
    keep = np.ones(2, dtype=bool)
    held = matrix.containment([core, whole], np.array([0, 1]), keep, STRUCTURE_WEIGHTS)
    assert held[0, 0] == pytest.approx(1.0) and held[0, 1] == 0  # the core is all in the whole class
    assert held[1, 0] == pytest.approx(1.0)
    assert matrix.cosine([core], keep, STRUCTURE_WEIGHTS)[0, 0] < 0.9

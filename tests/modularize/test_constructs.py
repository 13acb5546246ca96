"""One small model per construct a modular file can state, made the way transformers makes one (a modular file
flattened by modgen, then deleted); `modgen modularize` must write a modular file that states the construct the
short way, and that `modgen flatten` turns back into the very same files.

The parents are the installed transformers' models (the folders lie outside any transformers tree, so the
modular file imports them absolutely).
"""

from __future__ import annotations

import ast

import pytest

from tests.modularize.helpers import (
    bases_of,
    classes_of,
    generated_model,
    methods_of,
    round_trip,
    without_banner,
)


pytestmark = pytest.mark.slow

LLAMA = "transformers.models.llama.modeling_llama"


def check_round_trip(tmp_path, modular_text: str, *parents: str) -> str:
    """Flatten `modular_text` into a model, modularize it, flatten the result: the same files; the modular file."""
    folder = tmp_path / "bob"
    files = generated_model(folder, "bob", modular_text)
    modular, flattened, _ = round_trip(folder, "bob", *parents)
    assert flattened.keys() == files.keys()
    for name, text in files.items():
        assert without_banner(flattened[name]) == without_banner(text), name
    return modular


def test_override(tmp_path):
    modular = check_round_trip(
        tmp_path,
        f"""from {LLAMA} import LlamaMLP


class BobMLP(LlamaMLP):
    def forward(self, x):
        return self.down_proj(self.act_fn(self.gate_proj(x)) * self.up_proj(x) * 2)
""",
        "llama",
    )
    mlp = classes_of(modular)["BobMLP"]
    assert bases_of(mlp) == ["LlamaMLP"]
    assert set(methods_of(mlp)) == {"forward"}  # __init__ is Llama's


def test_new_method(tmp_path):
    modular = check_round_trip(
        tmp_path,
        f"""from {LLAMA} import LlamaMLP


class BobMLP(LlamaMLP):
    def scale(self):
        return 2.0
""",
        "llama",
    )
    mlp = classes_of(modular)["BobMLP"]
    assert set(methods_of(mlp)) == {"scale"}


def test_deleted_attribute(tmp_path):
    modular = check_round_trip(
        tmp_path,
        f"""from transformers.models.llama.configuration_llama import LlamaConfig
from {LLAMA} import LlamaAttention


class BobConfig(LlamaConfig):
    model_type = "bob"
    pretraining_tp = AttributeError()


class BobAttention(LlamaAttention):
    def __init__(self, config, layer_idx):
        super().__init__(config, layer_idx)
        del self.is_causal
""",
        "llama",
    )
    classes = classes_of(modular)
    config_body = [ast.unparse(statement) for statement in classes["BobConfig"].body]
    assert "pretraining_tp = AttributeError()" in config_body
    init = methods_of(classes["BobAttention"])["__init__"]
    assert [ast.unparse(s) for s in init.body][-1] == "del self.is_causal"
    assert len(init.body) == 2  # the parent's body comes from `super().__init__(...)`


def test_deleted_method(tmp_path):
    modular = check_round_trip(
        tmp_path,
        f"""from {LLAMA} import LlamaModel


class BobModel(LlamaModel):
    pass

    def forward(self):
        raise AttributeError("Not needed for Bob")
""",
        "llama",
    )
    forward = methods_of(classes_of(modular)["BobModel"])["forward"]
    assert isinstance(forward.body[0], ast.Raise)


def test_changed_signature(tmp_path):
    modular = check_round_trip(
        tmp_path,
        f"""from {LLAMA} import LlamaForCausalLM


class BobForCausalLM(LlamaForCausalLM):
    def forward(self, logits_to_keep: int = 1, **super_kwargs):
        return super().forward(**super_kwargs)
""",
        "llama",
    )
    forward = methods_of(classes_of(modular)["BobForCausalLM"])["forward"]
    assert forward.args.kwarg.arg == "super_kwargs"
    assert [arg.arg for arg in forward.args.args] == ["self", "logits_to_keep"]


def test_changed_docstring(tmp_path):
    modular = check_round_trip(
        tmp_path,
        f"""from {LLAMA} import LlamaModel


class BobModel(LlamaModel):
    def forward(self, **super_kwargs):
        r\"\"\"
        Bob's forward: Llama's, with this docstring.
        \"\"\"
        return super().forward(**super_kwargs)
""",
        "llama",
    )
    forward = methods_of(classes_of(modular)["BobModel"])["forward"]
    assert len(forward.body) == 2 and "Bob's forward" in ast.get_docstring(forward)


def test_renamed_prefix(tmp_path):
    modular = check_round_trip(
        tmp_path,
        f"""from {LLAMA} import LlamaDecoderLayer


class BobTextDecoderLayer(LlamaDecoderLayer):
    pass
""",
        "llama",
    )
    classes = classes_of(modular)
    assert bases_of(classes["BobTextDecoderLayer"]) == ["LlamaDecoderLayer"]
    assert "BobTextAttention" not in classes  # pulled in from llama, renamed to the `bob_text` prefix


def test_multi_parent(tmp_path):
    modular = check_round_trip(
        tmp_path,
        f"""from transformers.models.gemma.modeling_gemma import GemmaRMSNorm
from {LLAMA} import LlamaMLP


class BobRMSNorm(GemmaRMSNorm):
    pass


class BobMLP(LlamaMLP):
    pass
""",
        "llama",
        "gemma",
    )
    classes = classes_of(modular)
    assert bases_of(classes["BobRMSNorm"]) == ["GemmaRMSNorm"]
    assert bases_of(classes["BobMLP"]) == ["LlamaMLP"]


def test_new_class(tmp_path):
    modular = check_round_trip(
        tmp_path,
        f"""from torch import nn

from {LLAMA} import LlamaMLP


class BobGate(nn.Module):
    def __init__(self, hidden_size):
        super().__init__()
        self.proj = nn.Linear(hidden_size, 1)

    def forward(self, x):
        return self.proj(x).sigmoid()


class BobMLP(LlamaMLP):
    def __init__(self, config):
        super().__init__(config)
        self.gate = BobGate(config.hidden_size)
""",
        "llama",
    )
    classes = classes_of(modular)
    assert bases_of(classes["BobGate"]) == ["nn.Module"]
    assert set(methods_of(classes["BobGate"])) == {"__init__", "forward"}  # no parent has it: whole


def test_function(tmp_path):
    modular = check_round_trip(
        tmp_path,
        f"""import torch

from {LLAMA} import LlamaAttention


def rotate_half(x):
    \"\"\"Rotates half the hidden dims of the input, the other way round.\"\"\"
    x1 = x[..., : x.shape[-1] // 2]
    x2 = x[..., x.shape[-1] // 2 :]
    return torch.cat((x2, -x1), dim=-1)


class BobAttention(LlamaAttention):
    pass
""",
        "llama",
    )
    functions = {node.name for node in ast.parse(modular).body if isinstance(node, ast.FunctionDef)}
    assert functions == {"rotate_half"}  # apply_rotary_pos_emb, repeat_kv, ...: Llama's, pulled in


def test_switched_function(tmp_path):
    # Cohere's `rotate_half` replaces Llama's everywhere though no class of the modular file reads it: imported.
    modular = check_round_trip(
        tmp_path,
        f"""from transformers.models.cohere.modeling_cohere import rotate_half  # noqa: F401
from {LLAMA} import LlamaAttention


class BobAttention(LlamaAttention):
    pass
""",
        "llama",
        "cohere",
    )
    tree = ast.parse(modular)
    assert "rotate_half" in {
        alias.name for node in tree.body if isinstance(node, ast.ImportFrom) for alias in node.names
    }
    assert not [node for node in tree.body if isinstance(node, ast.FunctionDef)]


def test_submodule_import(tmp_path):
    # `import torch.distributions` binds `torch` as `import torch` does: both come back.
    modular = check_round_trip(
        tmp_path,
        f"""import torch
import torch.distributions

from {LLAMA} import LlamaAttention


class BobAttention(LlamaAttention):
    def entropy(self, logits):
        return torch.distributions.Categorical(logits=logits).entropy()
""",
        "llama",
    )
    assert "import torch.distributions\n" in modular

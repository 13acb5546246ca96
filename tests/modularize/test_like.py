"""`modgen like FILE.py --name NEW` on transformers-style code keeps the file's differences.

The file is Llama's modeling code with one method of the attention changed and a class added (made the way such
a file is: a modular file flattened, then deleted). `like` picks the parent with `modgen closest`, and the new
model's modular file must inherit from it and state just those differences, in a project made by `modgen init`.
"""

from __future__ import annotations

import ast
import os
import subprocess

import pytest

from tests.modularize.helpers import bases_of, classes_of, generated_model, methods_of, modgen


pytestmark = pytest.mark.slow

LLAMA = "transformers.models.llama"

SOURCE = f"""from torch import nn

from {LLAMA}.configuration_llama import LlamaConfig
from {LLAMA}.modeling_llama import (
    LlamaAttention,
    LlamaForCausalLM,
    LlamaModel,
    LlamaPreTrainedModel,
    apply_rotary_pos_emb,
)


class BobConfig(LlamaConfig):
    model_type = "bob"


class BobScaler(nn.Module):
    def __init__(self, hidden_size):
        super().__init__()
        self.scale = nn.Parameter(nn.init.ones_(nn.Linear(hidden_size, 1).weight[0]))

    def forward(self, hidden_states):
        return hidden_states * self.scale


class BobAttention(LlamaAttention):
    def forward(self, hidden_states, position_embeddings, attention_mask, past_key_values=None, **kwargs):
        input_shape = hidden_states.shape[:-1]
        hidden_shape = (*input_shape, -1, self.head_dim)
        query_states = self.q_proj(hidden_states).view(hidden_shape).transpose(1, 2)
        key_states = self.k_proj(hidden_states).view(hidden_shape).transpose(1, 2)
        value_states = self.v_proj(hidden_states).view(hidden_shape).transpose(1, 2)
        cos, sin = position_embeddings
        query_states, key_states = apply_rotary_pos_emb(query_states, key_states, cos, sin)
        attn_weights = (query_states @ key_states.transpose(2, 3) * self.scaling).softmax(-1)  # bob: no mask, no cache
        attn_output = (attn_weights @ value_states).transpose(1, 2).reshape(*input_shape, -1)
        return self.o_proj(attn_output), attn_weights


class BobPreTrainedModel(LlamaPreTrainedModel):
    pass


class BobModel(LlamaModel):
    def __init__(self, config):
        super().__init__(config)
        self.scaler = BobScaler(config.hidden_size)


class BobForCausalLM(LlamaForCausalLM):
    pass


__all__ = ["BobConfig", "BobPreTrainedModel", "BobModel", "BobForCausalLM"]
"""


def test_like_file_keeps_its_differences(tmp_path):
    research = tmp_path / "research" / "bob"
    files = generated_model(research, "bob", SOURCE)
    assert set(files) == {"configuration_bob.py", "modeling_bob.py"}
    assert modgen("init", tmp_path / "proj", "--package", "mylib").returncode == 0
    project = tmp_path / "proj"
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t"}
    env |= {"GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@t"}
    for command in (["git", "init", "-q"], ["git", "add", "-A"], ["git", "commit", "-qm", "init"]):
        subprocess.run(command, cwd=project, check=True, env=env)

    run = modgen("like", research / "modeling_bob.py", "--name", "bob", cwd=project)
    assert run.returncode == 0, run.stderr

    model_dir = project / "src" / "mylib" / "models" / "bob"
    modular = (model_dir / "modular_bob.py").read_text(encoding="utf-8")
    classes = classes_of(modular)
    # The added class, whole; the attention states its one changed method, on the parent like picked.
    assert bases_of(classes["BobScaler"]) == ["nn.Module"]
    attention = classes["BobAttention"]
    assert bases_of(attention)[0].endswith("Attention") and set(methods_of(attention)) == {"forward"}
    assert "bob: no mask, no cache" in modular
    # The file's own model class keeps its new submodule; the generated code holds both differences.
    generated = (model_dir / "modeling_bob.py").read_text(encoding="utf-8")
    assert "class BobScaler(nn.Module):" in generated
    assert "bob: no mask, no cache" in generated and "self.scaler = BobScaler(config.hidden_size)" in generated
    # What like registers is still there.
    defined = {node.name for node in ast.parse(generated).body if isinstance(node, ast.ClassDef)}
    assert {"BobModel", "BobForCausalLM", "BobPreTrainedModel"} <= defined

"""Canonical forms: model prefixes stripped at identifier boundaries, locals renamed, docs and hints dropped."""

from __future__ import annotations

import ast

import pytest

from modgen.similarity.canonical import canonicalize, fingerprint, name_key, prefix_keys, strip_prefix


@pytest.mark.parametrize(
    ("identifier", "keys", "expected"),
    [
        ("LlamaDecoderLayer", ("llama",), "DecoderLayer"),
        ("Qwen2_5_VLModel", ("qwen25vl",), "Model"),
        ("Data2VecAudioFeatureEncoder", ("data2vecaudio",), "FeatureEncoder"),
        ("Llama", ("llama",), "Model"),
        # Only at a CamelCase or `_` boundary: upstream's substring rule turns these into `loModels`, `vModelnce`.
        ("logits", ("git",), "logits"),
        ("variance", ("aria",), "variance"),
        ("Llamafied", ("llama",), "Llamafied"),
        ("gpt2_attention", ("gpt2",), "attention"),
        ("RMSNorm", ("llama",), "RMSNorm"),
    ],
)
def test_strip_prefix(identifier, keys, expected):
    assert strip_prefix(identifier, keys) == expected


def test_prefix_keys_come_from_the_file_name_and_the_pretrained_class():
    keys = prefix_keys("modeling_my_fork", ["LlamaPreTrainedModel", "LlamaMLP"])
    assert set(keys) == {"myfork", "llama"}
    assert name_key("Qwen2_5_VL") == "qwen25vl"


def _fingerprint(source: str, keys: tuple[str, ...]) -> int:
    node = ast.parse(source).body[0]
    return fingerprint(canonicalize(node, keys, frozenset({"nn", "torch"})))


LLAMA_MLP = '''
class LlamaMLP(nn.Module):
    """The feed-forward block."""

    def __init__(self, config: LlamaConfig):
        super().__init__()
        self.down_proj = nn.Linear(config.intermediate_size, config.hidden_size, bias=False)

    def forward(self, hidden_states: torch.Tensor) -> torch.Tensor:
        # project down
        out = self.down_proj(torch.relu(hidden_states))
        return out
'''


def test_renaming_prefix_locals_docs_and_hints_keeps_the_canonical_form():
    renamed = """
class BobMLP(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.down_proj = nn.Linear(cfg.intermediate_size, cfg.hidden_size, bias=False)

    def forward(self, x):
        y = self.down_proj(torch.relu(x))
        return y
"""
    assert _fingerprint(LLAMA_MLP, ("llama",)) == _fingerprint(renamed, ("bob",))


def test_a_real_change_changes_the_canonical_form():
    changed = LLAMA_MLP.replace("torch.relu", "torch.tanh")
    assert _fingerprint(LLAMA_MLP, ("llama",)) != _fingerprint(changed, ("llama",))

"""The research-style fixtures are real code: each builds and runs forward in torch (tiny sizes)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest


torch = pytest.importorskip("torch")
FIXTURES = Path(__file__).with_name("fixtures")


def load(name: str):
    spec = importlib.util.spec_from_file_location(name.removesuffix(".py"), FIXTURES / name)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_gpt2(m):
    out = m.GPT(vocab_size=50, block_size=16, n_layer=2, n_head=2, n_embd=16)(torch.randint(0, 50, (2, 8)))
    assert out.shape == (2, 8, 50)


def run_attention_only(m):
    freqs = m.precompute_freqs_cis(8, 16)
    out = m.GQAttention(32, 4, 2)(torch.randn(2, 8, 32), freqs)
    assert out.shape == (2, 8, 32)


def run_t5(m):
    model = m.EncoderDecoder(vocab=40, d=16, heads=2, d_ff=32, layers=2)
    out = model(torch.randint(0, 40, (2, 7)), torch.randint(0, 40, (2, 5)))
    assert out.shape == (2, 5, 40)


def run_clip(m):
    model = m.DualEncoder.__new__(m.DualEncoder)
    torch.nn.Module.__init__(model)
    model.visual = m.VisionTower(image_size=32, patch=16, width=16, layers=1, heads=2, out_dim=8)
    model.text = m.TextTower(vocab=30, context=6, width=16, layers=1, heads=2, out_dim=8)
    torch.nn.init.normal_(model.text.positional_embedding)
    torch.nn.init.normal_(model.text.text_projection)
    model.logit_scale = torch.nn.Parameter(torch.ones([]))
    logits, _ = model(torch.randn(3, 3, 32, 32), torch.randint(0, 30, (2, 6)))
    assert logits.shape == (3, 2)


def run_wav2vec2(m):
    model = m.Wav2Vec2Like(conv_dim=512, dim=32, layers=1)
    model.layers = torch.nn.ModuleList([m.EncoderLayer(32, 64, 2)])
    model.pos_conv = m.ConvPositions(32, kernel=4, groups=2)
    out = model(torch.randn(2, 1600))
    assert out.shape[0] == 2 and out.shape[-1] == 32


def run_llama(m):
    args = m.ModelArgs(dim=32, n_layers=2, n_heads=4, n_kv_heads=2, vocab_size=50, multiple_of=8, max_seq_len=16)
    assert m.Transformer(args)(torch.randint(0, 50, (2, 6))).shape == (2, 6, 50)


def run_moe(m):
    out, logits = m.SparseMoE(16, 32, num_experts=4, top_k=2)(torch.randn(2, 5, 16))
    assert out.shape == (2, 5, 16) and logits.shape == (10, 4)


def run_helpers_and_outputs(m):
    encoder = m.Encoder(vocab=50, dim=16, heads=2, layers=2)
    m.named_apply(lambda module, name: None, encoder)
    out = encoder(torch.randint(0, 50, (2, 7)))
    assert isinstance(out, m.EncoderOutput) and out.last_hidden_state.shape == (2, 7, 16)


def run_fused_attention(m):
    dim, heads, length = 32, 4, 6
    angles = torch.outer(torch.arange(length).float(), torch.rand(dim // heads // 2))
    freqs_cis = torch.polar(torch.ones_like(angles), angles)[None, :, None, :]
    assert m.Attention(dim, heads)(torch.randn(2, length, dim), freqs_cis).shape == (2, length, dim)


@pytest.mark.parametrize(
    ("fixture", "run"),
    [
        ("tiny_gpt2.py", run_gpt2),
        ("attention_only.py", run_attention_only),
        ("tiny_t5.py", run_t5),
        ("tiny_clip.py", run_clip),
        ("tiny_wav2vec2.py", run_wav2vec2),
        ("tiny_llama.py", run_llama),
        ("moe_block.py", run_moe),
        ("helpers_and_outputs.py", run_helpers_and_outputs),
        ("fused_attention.py", run_fused_attention),
    ],
)
def test_fixture_runs_forward(fixture, run):
    with torch.no_grad():
        run(load(fixture))

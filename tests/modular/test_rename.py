"""Renaming a parent by scanning its text with regular expressions gives what renaming token by token (Python's
tokenizer, the reference) gives, or declines."""

from __future__ import annotations

import ast
import textwrap

import pytest

from modgen.modular.casing import Casing
from modgen.modular.mapper import split_units
from modgen.modular.rename import NamePatterns, _rename_by_scanning, _rename_by_tokens, rename_source


@pytest.fixture(scope="module")
def casing(installed_tree) -> Casing:
    return Casing(installed_tree.config_mapping)


SOURCES = {
    "names, strings, comments": '''
        class LlamaModel(LlamaPreTrainedModel):  # Llama's model
            """The LLAMA model, see `llama`."""

            def forward(self, llama_cache: "LlamaCache" = None):
                return self.llama(LLAMA_INPUTS_DOCSTRING, x="#llama", y='llama"s')  # Copied from x.Llama
    ''',
    "f-strings keep their literal text": """
        def f(llama):
            raise ValueError(f"llama {llama.LlamaConfig!r} {'llama'} llama")
    """,
    "triple quotes and escapes": """
        X = '''llama "llama" \\''' llama'''
        Y = "llama \\" llama" + r'llama\\\\' + b"llama"
        Z = \"\"\"llama 'x' \"\"\"  # llama
    """,
    "a name followed by the model's": "LlamaLlama = llama.llama\nCLIP_START = 1\n",
}


@pytest.mark.parametrize("name", list(SOURCES))
@pytest.mark.parametrize(("old", "new"), [("llama", "bob"), ("llama", "clip_text")])
def test_scanning_matches_the_tokenizer(name: str, old: str, new: str, casing: Casing):
    source = textwrap.dedent(SOURCES[name]).lstrip("\n")
    patterns = NamePatterns(old, new, casing)
    scanned = _rename_by_scanning(source, patterns)
    assert scanned is not None
    assert scanned == _rename_by_tokens(source, patterns)
    assert rename_source(source, patterns, new) == scanned


@pytest.mark.parametrize(
    "source",
    [
        "from llama_kernels import llama_fn\n",  # absolute imports are left alone: the tokenizer knows them
        "def f():\n    return mamba_ssm.run(x)\n",  # a name renaming never touches
        "x = 'unterminated\n",  # not a string the scan reads
    ],
)
def test_scanning_declines_what_needs_the_tokenizer(source: str, casing: Casing):
    model = "mamba" if "mamba" in source else "llama"
    patterns = NamePatterns(model, "bob", casing)
    assert _rename_by_scanning(source, patterns) is None


def test_scanning_matches_the_tokenizer_on_the_wheel(installed_tree, casing: Casing):
    scanned = 0
    for path in sorted(installed_tree.models_dir.glob("*/modeling_*.py"))[::25]:
        model = path.parent.name
        source = path.read_text(encoding="utf-8")
        patterns = NamePatterns(model, "bob", casing)
        for unit in split_units(source, ast.parse(source), None):
            fast = _rename_by_scanning(unit.text, patterns)
            if fast is not None:
                assert fast == _rename_by_tokens(unit.text, patterns), f"{path}: {unit.text[:80]}"
                scanned += 1
    assert scanned > 500

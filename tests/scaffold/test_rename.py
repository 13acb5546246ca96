"""The renamer of test code: by scope, never in strings; and the renamed copy of a parent's tests.

The sdist ships no `tests/models/`, so the parent test file here is a fixture written in the style of
transformers 5.23's `tests/models/llama/test_modeling_llama.py` (same imports, tester classes, integration test
with Hub ids), not the real file.
"""

from __future__ import annotations

import ast

import pytest

from modgen.repo import Repository
from modgen.scaffold.rename import Rename, Renamer, rename_source
from modgen.scaffold.tests_writer import copy_parent_tests, write_tests
from modgen.transaction import Transaction


LLAMA = Rename("llama", "bob", "Llama", "Bob")
CLIP = Rename("clip", "my_clip", "CLIP", "MyClip")


@pytest.mark.parametrize(
    ("identifier", "expected"),
    [
        ("LlamaModel", "BobModel"),
        ("LlamaForCausalLM", "BobForCausalLM"),
        ("LLAMA_INPUTS_DOCSTRING", "BOB_INPUTS_DOCSTRING"),
        ("test_llama_3_1_hard", "test_bob_3_1_hard"),
        ("create_and_check_llama_model", "create_and_check_bob_model"),
        ("modeling_llama", "modeling_bob"),
        ("_LlamaHelper", "_BobHelper"),
        ("llama", "bob"),
        # Other words that contain the name are other models or other words.
        ("llama2", "llama2"),
        ("Llamas", "Llamas"),
        ("TFLlamaModel", "TFLlamaModel"),
        ("CodeLlamaTokenizer", "CodeLlamaTokenizer"),
        # An all-capitals prefix: capitals alone are the constant form, followed by a capital the class form.
        ("CLIPTextModel", "MyClipTextModel"),
        ("CLIP_PRETRAINED", "MY_CLIP_PRETRAINED"),
        ("clip_text_model", "my_clip_text_model"),
    ],
)
def test_identifier(identifier, expected):
    assert Renamer((LLAMA, CLIP)).identifier(identifier) == expected


def test_renames_apply_at_once_without_chaining():
    swap = Renamer(
        (Rename("a_model", "b_model", "AModel", "BModel"), Rename("b_model", "c_model", "BModel", "CModel"))
    )
    assert swap.identifier("AModelConfig") == "BModelConfig"
    assert swap.identifier("BModelConfig") == "CModelConfig"


def test_longer_names_win():
    renamer = Renamer((Rename("roberta", "x", "Roberta", "X"), Rename("xlm_roberta", "bob", "XLMRoberta", "Bob")))
    assert renamer.identifier("XLMRobertaModel") == "BobModel"
    assert renamer.identifier("xlm_roberta_model") == "bob_model"
    assert renamer.identifier("RobertaModel") == "XModel"


def test_strings_comments_and_docstrings_stay():
    source = '''"""Tests of Llama."""
# LlamaModel is tested here
x = LlamaModel.from_pretrained("meta-llama/Llama-3.1-8B")  # llama checkpoint
y = f"{llama_name} and Llama"
'''
    assert (
        rename_source(source, [LLAMA])
        == '''"""Tests of Llama."""
# LlamaModel is tested here
x = BobModel.from_pretrained("meta-llama/Llama-3.1-8B")  # llama checkpoint
y = f"{bob_name} and Llama"
'''
    )


def test_attributes_keywords_and_parameters():
    source = "def check(llama_model, config):\n    return config.llama.hidden(llama_model=llama_model)\n"
    assert (
        rename_source(source, [LLAMA])
        == "def check(bob_model, config):\n    return config.bob.hidden(bob_model=bob_model)\n"
    )


def test_module_paths_of_model_code_are_renamed():
    source = (
        "from transformers import LlamaConfig, is_torch_available\n"
        "from transformers.models.llama.modeling_llama import LlamaRotaryEmbedding\n"
        "from ..llama.test_modeling_llama import LlamaModelTester\n"
        "import transformers.models.llama.modeling_llama as modeling_llama\n"
        "from myproject.models.llama import LlamaThing\n"
    )
    assert rename_source(source, [LLAMA], packages={"myproject"}) == (
        "from transformers import BobConfig, is_torch_available\n"
        "from transformers.models.bob.modeling_bob import BobRotaryEmbedding\n"
        "from ..bob.test_modeling_bob import BobModelTester\n"
        "import transformers.models.bob.modeling_bob as modeling_bob\n"
        "from myproject.models.bob import BobThing\n"
    )


def test_names_from_other_packages_keep_their_names_everywhere():
    mamba = Rename("mamba", "bob", "Mamba", "Bob")
    source = (
        "from mamba_ssm.ops import mamba_chunk_scan\n"
        "from transformers.utils.import_utils import is_mamba_ssm_available\n"
        "import mamba_ssm\n"
        "from transformers import MambaConfig\n"
        "if is_mamba_ssm_available():\n"
        "    mamba_chunk_scan(MambaConfig(), mamba_ssm.x, mamba_layer=1)\n"
    )
    assert rename_source(source, [mamba]) == (
        "from mamba_ssm.ops import mamba_chunk_scan\n"
        "from transformers.utils.import_utils import is_mamba_ssm_available\n"
        "import mamba_ssm\n"
        "from transformers import BobConfig\n"
        "if is_mamba_ssm_available():\n"
        "    mamba_chunk_scan(BobConfig(), mamba_ssm.x, bob_layer=1)\n"
    )


def test_kept_names_stay():
    source = "from transformers import LlamaTokenizer, LlamaModel\n"
    assert (
        rename_source(source, [LLAMA], keep={"LlamaTokenizer"})
        == "from transformers import LlamaTokenizer, BobModel\n"
    )


# In the style of transformers 5.23's tests/models/llama/test_modeling_llama.py (see the module docstring).
LLAMA_TESTS = '''# Copyright 2024 The HuggingFace Inc. team. All rights reserved.
#
# Licensed under the Apache License, Version 2.0 (the "License");
"""Testing suite for the PyTorch LLaMA model."""

import unittest

from parameterized import parameterized

from transformers import AutoTokenizer, StaticCache, is_torch_available
from transformers.testing_utils import cleanup, require_torch, require_torch_accelerator, slow, torch_device

from ...causal_lm_tester import CausalLMModelTest, CausalLMModelTester


if is_torch_available():
    import torch

    from transformers import (
        LlamaConfig,
        LlamaForCausalLM,
        LlamaForQuestionAnswering,
        LlamaForSequenceClassification,
        LlamaForTokenClassification,
        LlamaModel,
        LlamaTokenizer,
    )
    from transformers.models.llama.modeling_llama import LlamaRotaryEmbedding


class LlamaModelTester(CausalLMModelTester):
    if is_torch_available():
        base_model_class = LlamaModel


@require_torch
class LlamaModelTest(CausalLMModelTest, unittest.TestCase):
    model_tester_class = LlamaModelTester
    # Need to use `0.8` instead of `0.9` for `test_cpu_offload`
    model_split_percents = [0.5, 0.7, 0.8]
    _torch_compile_train_cls = LlamaForCausalLM if is_torch_available() else None

    @parameterized.expand([("linear",), ("dynamic",)])
    def test_model_rope_scaling(self, scaling_type):
        config, _ = self.model_tester.prepare_config_and_inputs_for_common()
        original_rope = LlamaRotaryEmbedding(config=config)
        self.assertIsNotNone(original_rope)


@require_torch_accelerator
class LlamaIntegrationTest(unittest.TestCase):
    def tearDown(self):
        cleanup(torch_device, gc_collect=False)

    @slow
    def test_llama_3_1_hard(self):
        tokenizer = AutoTokenizer.from_pretrained("meta-llama/Llama-3.1-8B-Instruct")
        model = LlamaForCausalLM.from_pretrained("meta-llama/Llama-3.1-8B-Instruct", device_map="auto")
        slow_tokenizer = LlamaTokenizer.from_pretrained("meta-llama/Llama-3.1-8B-Instruct")
        cache = StaticCache(config=model.config, max_cache_len=64)
        self.assertIsNotNone((tokenizer, slow_tokenizer, cache, torch.ones(1)))
'''


def test_copy_of_parent_tests():
    copied = copy_parent_tests(LLAMA_TESTS, LLAMA, keep={"LlamaTokenizer"}, year=2026)
    ast.parse(copied)
    assert copied.startswith("# Copyright 2026 The HuggingFace Inc. team.")
    assert "from transformers.models.bob.modeling_bob import BobRotaryEmbedding" in copied
    assert "class BobModelTester(CausalLMModelTester):" in copied
    assert "class BobModelTest(CausalLMModelTest, unittest.TestCase):" in copied
    assert "model_tester_class = BobModelTester" in copied
    assert "def test_bob_3_1_hard(self):" in copied
    assert 'BobForCausalLM.from_pretrained("meta-llama/Llama-3.1-8B-Instruct"' in copied
    assert "LlamaTokenizer.from_pretrained" in copied  # the reused tokenizer keeps its name
    assert '"""Testing suite for the PyTorch LLaMA model."""' in copied
    assert "from ...causal_lm_tester import CausalLMModelTest, CausalLMModelTester" in copied
    # Nothing else changed: the renamed copy, renamed back, is the original (with the new year).
    back = copy_parent_tests(copied, Rename("bob", "llama", "Bob", "Llama"), keep={"LlamaTokenizer"}, year=2024)
    assert back == LLAMA_TESTS


@pytest.mark.slow
def test_write_tests_copies_the_parent_tests_of_a_checkout(sdist_repo, installed_tree):
    """In a transformers checkout with `tests/models/llama/`, `write_tests` stages a renamed copy."""
    parent_tests = sdist_repo / "tests" / "models" / "llama" / "test_modeling_llama.py"
    parent_tests.parent.mkdir(parents=True)
    parent_tests.write_text(LLAMA_TESTS)
    repo = Repository.discover(sdist_repo)
    parent = repo.transformers.resolve_model("llama")
    with Transaction(repo.root) as transaction:
        written = write_tests(
            transaction,
            repo,
            parent,
            parent_model_type="llama",
            parent_prefix="Llama",
            new_name="bob",
            new_prefix="Bob",
        )
        assert not (sdist_repo / "tests" / "models" / "bob").exists()  # staged only
        transaction.commit()
    folder = sdist_repo / "tests" / "models" / "bob"
    assert written.files == [folder / "__init__.py", folder / "test_modeling_bob.py"]
    assert written.source == "copy of tests/models/llama/test_modeling_llama.py"
    text = (folder / "test_modeling_bob.py").read_text()
    assert "from transformers.models.bob.modeling_bob import BobRotaryEmbedding" in text
    # llama's tokenizer is reused, not copied: the copy keeps its name.
    assert "LlamaTokenizer.from_pretrained" in text and "BobTokenizer" not in text

"""`add_copied_from_markers` on real llama code renamed to a new model: markers are added, and they verify."""

from __future__ import annotations

import ast

from modgen.copies.markers import add_copied_from_markers, split_common_suffix

from .helpers import LLAMA, check_text, renamed_llama, ruff_format


NAMES = ["LlamaRMSNorm", "rotate_half", "LlamaMLP", "repeat_kv", "LlamaAttention", "LlamaDecoderLayer"]
PARENTS = [f"transformers.{LLAMA}"]


def markers_of(text: str) -> list[str]:
    return [line for line in text.split("\n") if line.startswith("# Copied from")]


def test_renamed_copies_get_markers_that_the_checker_verifies(installed_tree, tmp_path):
    generated = renamed_llama(installed_tree, NAMES)
    marked = add_copied_from_markers(generated, PARENTS, installed_tree)
    assert markers_of(marked) == [
        f"# Copied from transformers.{LLAMA}.LlamaRMSNorm with Llama->Bob",
        f"# Copied from transformers.{LLAMA}.rotate_half",
        f"# Copied from transformers.{LLAMA}.LlamaMLP with Llama->Bob",
        f"# Copied from transformers.{LLAMA}.repeat_kv",
        f"# Copied from transformers.{LLAMA}.LlamaAttention with Llama->Bob",
        f"# Copied from transformers.{LLAMA}.LlamaDecoderLayer with Llama->Bob",
    ]
    results = check_text(tmp_path, installed_tree, marked)
    assert results.markers == len(NAMES)
    assert results.findings == []


def test_only_comments_are_added_and_ruff_format_keeps_them(installed_tree):
    generated = renamed_llama(installed_tree, NAMES)
    marked = add_copied_from_markers(generated, PARENTS, installed_tree)
    assert ast.dump(ast.parse(marked)) == ast.dump(ast.parse(generated))
    assert ruff_format(marked) == marked


def test_a_modified_copy_gets_no_marker(installed_tree, tmp_path):
    generated = renamed_llama(installed_tree, ["LlamaMLP", "repeat_kv"])
    modified = generated.replace("down_proj = self.down_proj(", "down_proj = 2 * self.down_proj(", 1)
    assert modified != generated
    marked = add_copied_from_markers(modified, PARENTS, installed_tree)
    assert markers_of(marked) == [f"# Copied from transformers.{LLAMA}.repeat_kv"]
    assert check_text(tmp_path, installed_tree, marked).findings == []


def test_a_marked_copy_edited_later_is_reported_at_the_edited_line(installed_tree, tmp_path):
    marked = add_copied_from_markers(renamed_llama(installed_tree, ["LlamaMLP"]), PARENTS, installed_tree)
    lines = marked.split("\n")
    edited = next(i for i, line in enumerate(lines) if "self.act_fn = " in line)
    lines[edited] = lines[edited].replace("self.act_fn = ", "self.act_fn = None or ")
    findings = check_text(tmp_path, installed_tree, "\n".join(lines)).findings
    assert [(f.kind, f.line) for f in findings] == [("copy", edited + 1)]


def test_existing_markers_are_not_duplicated(installed_tree):
    marked = add_copied_from_markers(renamed_llama(installed_tree, ["LlamaMLP"]), PARENTS, installed_tree)
    assert add_copied_from_markers(marked, PARENTS, installed_tree) == marked


def test_unrelated_code_and_unknown_parents_are_left_alone(installed_tree):
    text = "def helper(x):\n    return x + 1\n"
    assert add_copied_from_markers(text, PARENTS, installed_tree) == text
    assert add_copied_from_markers(text, ["transformers.models.nope.modeling_nope"], installed_tree) == text


def test_prefixes_are_cut_at_a_camel_case_boundary():
    assert split_common_suffix("LlamaMLP", "BobMLP") == ("Llama", "Bob")
    assert split_common_suffix("GemmaRMSNorm", "LlamaRMSNorm") == ("Gemma", "Llama")
    assert split_common_suffix("rotate_half", "rotate_half") is None

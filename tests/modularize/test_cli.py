"""`modgen modularize` as a user meets it: bad input, --check, --json, and files it must not overwrite."""

from __future__ import annotations

import json

import pytest

from tests.modularize.helpers import generated_model, modgen


LLAMA = "transformers.models.llama.modeling_llama"
MODULAR = f"""from {LLAMA} import LlamaForCausalLM, LlamaMLP


class BobMLP(LlamaMLP):
    def forward(self, x):
        return self.down_proj(self.act_fn(self.up_proj(x)))


class BobForCausalLM(LlamaForCausalLM):
    pass


__all__ = ["BobForCausalLM"]
"""


@pytest.fixture
def model(tmp_path):
    folder = tmp_path / "bob"
    generated_model(folder, "bob", MODULAR)
    return folder


def test_missing_path_is_a_usage_error(tmp_path):
    run = modgen("modularize", tmp_path / "nowhere", "--parent", "llama")
    assert run.returncode == 2 and "does not exist" in run.stderr


def test_a_file_that_is_no_model_file_is_a_usage_error(tmp_path):
    other = tmp_path / "notes.py"
    other.write_text("x = 1\n")
    run = modgen("modularize", other, "--parent", "llama")
    assert run.returncode == 2 and "is not a model file" in run.stderr


def test_unknown_parent_is_a_usage_error(model):
    run = modgen("modularize", model, "--parent", "lama")
    assert run.returncode == 2 and "did you mean" in run.stderr


def test_check_writes_nothing_and_prints_the_modular_file(model):
    run = modgen("modularize", model, "--parent", "llama", "--check")
    assert run.returncode == 1, run.stderr
    assert not (model / "modular_bob.py").exists()
    assert "class BobMLP(LlamaMLP):" in run.stdout and "flattened back: byte-identical" in run.stderr


def test_json_reports_each_class(model):
    run = modgen("modularize", model, "--parent", "llama", "--json")
    assert run.returncode == 0, run.stderr
    [report] = json.loads(run.stdout)
    assert report["round_trip"] == "byte-identical" and report["written"]
    classes = {c["class"]: c for c in report["classes"]}
    assert classes["BobMLP"]["parent"] == "llama.LlamaMLP" and classes["BobMLP"]["methods"] == {"forward": "full"}
    assert classes["BobMLP"]["lines_saved"] > 0
    pulled = [c for c in report["classes"] if not c["stated"]]  # BobModel, BobDecoderLayer...: Llama's, as they are
    assert pulled and all(c["lines_kept"] == 0 and c["parent"].startswith("llama.") for c in pulled)
    assert (model / "modular_bob.py").is_file()


def test_an_existing_modular_file_is_kept(model):
    existing = model / "modular_bob.py"
    existing.write_text("# mine\n")
    run = modgen("modularize", model, "--parent", "llama")
    assert run.returncode == 2 and "does not overwrite" in run.stderr
    assert existing.read_text() == "# mine\n"
    forced = modgen("modularize", model, "--parent", "llama", "--force")
    assert forced.returncode == 0, forced.stderr
    assert "class BobMLP(LlamaMLP):" in existing.read_text()


def test_code_ruff_would_change_is_not_given_back_and_says_what_to_run(tmp_path):
    # The flattener runs `ruff check --fix` and `ruff format`: `super(BobMLP, self)` comes back as `super()`, so
    # the file as it is cannot come back. Nothing is written, and the message says what to run.
    folder = tmp_path / "bob"
    folder.mkdir()
    modeling = folder / "modeling_bob.py"
    modeling.write_text(
        "from torch import nn\n\n\nclass BobMLP(nn.Module):\n    def __init__(self):\n"
        "        super(BobMLP, self).__init__()\n        self.proj = nn.Linear(2, 2)\n"
    )
    run = modgen("modularize", modeling, "--parent", "llama")
    assert run.returncode == 1, run.stderr
    assert not (folder / "modular_bob.py").exists()
    assert "modeling_bob.py does not come back (differing BobMLP)" in run.stdout
    assert "the flattener runs `ruff check --fix` and `ruff format`: run them on the file first" in run.stdout
    assert "not written: flattening modular_bob.py does not give the model back" in run.stderr
    modeling.write_text(modeling.read_text().replace("super(BobMLP, self)", "super()"))
    run = modgen("modularize", modeling, "--parent", "llama")
    assert run.returncode == 0, run.stderr

"""Each form of the `# Copied from` grammar (spec §1), on small files whose expected results are evident."""

from __future__ import annotations

from modgen.copies.grammar import parse_marker
from modgen.copies.replace import ReplaceSpec


ROBERTA = "src/transformers/models/roberta/modeling_roberta.py"

INTERMEDIATE_COPY = """\
from torch import nn


# Copied from transformers.models.bert.modeling_bert.BertIntermediate
class BertIntermediate(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.dense = nn.Linear(config.hidden_size, config.intermediate_size)
        self.intermediate_act_fn = nn.GELU()

    def forward(self, hidden_states):
        hidden_states = self.dense(hidden_states)
        hidden_states = self.intermediate_act_fn(hidden_states)
        return hidden_states
"""


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.split("\n"), 1) if needle in line)


def test_a_plain_copy_passes_and_an_edit_is_reported_at_its_line_with_a_diff(tree):
    tree.write(ROBERTA, INTERMEDIATE_COPY)
    report = tree.check()
    assert (report.markers, report.findings, report.exit_code) == (1, [], 0)

    edited = INTERMEDIATE_COPY.replace("nn.GELU()", "nn.ReLU()")
    tree.write(ROBERTA, edited)
    report = tree.check()
    assert report.exit_code == 1
    [finding] = report.findings
    assert (finding.kind, finding.line) == ("copy", line_of(edited, "nn.ReLU()"))
    assert finding.message == "copy does not match transformers.models.bert.modeling_bert.BertIntermediate"
    assert "-        self.intermediate_act_fn = nn.ReLU()" in finding.diff
    assert "+        self.intermediate_act_fn = nn.GELU()" in finding.diff


def test_with_patterns_rename_code_comments_and_names(tree):
    tree.write(
        ROBERTA,
        """\
        from torch import nn


        # Copied from transformers.models.bert.modeling_bert.BertOutput with Bert->Roberta,bert->roberta
        class RobertaOutput(nn.Module):
            def __init__(self, config):
                super().__init__()
                self.dense = nn.Linear(config.intermediate_size, config.hidden_size)
                self.roberta_dropout = nn.Dropout(config.hidden_dropout_prob)  # BERT dropout

            def forward(self, hidden_states, input_tensor):
                hidden_states = self.dense(hidden_states)
                hidden_states = self.roberta_dropout(hidden_states)
                return hidden_states + input_tensor
        """,
    )
    assert tree.check().findings == []


def test_all_casing_applies_the_pattern_in_lower_and_upper_case_too(tree):
    tree.write(
        ROBERTA,
        """\
        from torch import nn


        # Copied from transformers.models.bert.modeling_bert.BertOutput with Bert->Roberta all-casing
        class RobertaOutput(nn.Module):
            def __init__(self, config):
                super().__init__()
                self.dense = nn.Linear(config.intermediate_size, config.hidden_size)
                self.roberta_dropout = nn.Dropout(config.hidden_dropout_prob)  # ROBERTA dropout

            def forward(self, hidden_states, input_tensor):
                hidden_states = self.dense(hidden_states)
                hidden_states = self.roberta_dropout(hidden_states)
                return hidden_states + input_tensor
        """,
    )
    assert tree.check().findings == []


def test_the_with_keyword_is_optional_and_patterns_are_regular_expressions():
    assert ReplaceSpec.parse("Bert->Roberta").apply("BertModel") == "RobertaModel"
    # Upstream deletes every lowercase "with", and applies patterns in order as regexes: compatible.
    spec = ReplaceSpec.parse("with Bert->Roberta, Roberta->Camembert all-casing")
    assert spec.apply("Bert bert ROBERTA") == "Camembert bert CAMEMBERT"
    assert ReplaceSpec.parse("with config.d_model->config.hidden").apply("config_d_model") == "config.hidden"
    assert ReplaceSpec.parse("with Bert -> Roberta, MusicGen->Musicgen Melody").ignored == (
        "Bert -> Roberta",
        "Melody",
    )


def test_function_and_method_copies(tree):
    tree.write(
        ROBERTA,
        """\
        import torch


        # Copied from transformers.models.bert.modeling_bert.gelu_like
        def gelu_like(x):
            y = x * 0.5
            return y * (1.0 + torch.tanh(y))


        class RobertaIntermediate:
            # Copied from transformers.models.bert.modeling_bert.BertIntermediate.forward
            def forward(self, hidden_states):
                hidden_states = self.dense(hidden_states)
                hidden_states = self.intermediate_act_fn(hidden_states)
                return hidden_states * 2
        """,
    )
    report = tree.check()
    assert report.markers == 2
    assert [(f.kind, f.line) for f in report.findings] == [("copy", 15)]


def test_ignore_copy_keeps_the_copys_own_method(tree):
    tree.write(
        ROBERTA,
        INTERMEDIATE_COPY.replace(
            "    def forward(self, hidden_states):\n        hidden_states = self.dense(hidden_states)\n",
            "    # Ignore copy\n    def forward(self, hidden_states):\n        hidden_states = self.dense(hidden_states) * 3\n",
        ),
    )
    assert tree.check().findings == []


def test_end_copy_ends_the_compared_block(tree):
    tree.write(
        ROBERTA,
        """\
        import torch


        # Copied from transformers.models.bert.modeling_bert.gelu_like
        def gelu_like(x):
            y = x * 0.5
            # End copy
            return y
        """,
    )
    report = tree.check()
    # The copy stops at `# End copy`: it is a prefix of its source, reported at its last line.
    assert [(f.kind, f.line) for f in report.findings] == [("copy", 6)]

    tree.write(
        ROBERTA,
        """\
        import torch


        # Copied from transformers.models.bert.modeling_bert.gelu_like
        def gelu_like(x):
            y = x * 0.5
            return y * (1.0 + torch.tanh(y))
            # End copy
            print("not compared")
        """,
    )
    assert tree.check().findings == []


def test_tests_markers_resolve_under_tests(tree):
    tree.write(
        "tests/models/bert/test_modeling_bert.py",
        """\
        def make_inputs(size):
            return list(range(size))
        """,
    )
    copy = tree.write(
        "tests/models/roberta/test_modeling_roberta.py",
        """\
        # Copied from tests.models.bert.test_modeling_bert.make_inputs
        def make_inputs(size):
            return list(range(size))


        # Copied from transformers.models.bert.modeling_bert.gelu_like (the wrong root in tests: not a marker)
        def gelu_like(x):
            return x
        """,
    )
    report = tree.check()
    assert (report.markers, report.findings) == (1, [])
    copy.write_text(copy.read_text().replace("range(size)", "range(size + 1)"))
    assert [(f.path.name, f.line) for f in tree.check().findings] == [("test_modeling_roberta.py", 3)]


def test_lookalikes_are_not_markers():
    assert parse_marker("# copied from transformers.models.bert.modeling_bert.BertOutput", 1) is None
    assert parse_marker("# TODO: use modular - Copied from transformers.models.bert.modeling_bert.X", 1) is None
    assert parse_marker("x = 1  # Copied from transformers.models.bert.modeling_bert.X", 1) is None
    assert parse_marker("# Copied from tests.models.bert.test_bert.X", 1) is None
    marker = parse_marker("    # Copied from transformers.models.bert.modeling_bert.X.forward with A->B", 7)
    assert (marker.indent, marker.object_path, marker.spec.raw) == (
        "    ",
        "models.bert.modeling_bert.X.forward",
        "with A->B",
    )


def test_markers_nested_in_a_copied_block_are_covered_by_the_outer_copy(tree):
    tree.write(
        ROBERTA,
        INTERMEDIATE_COPY.replace(
            "    def forward",
            "    # Copied from transformers.models.bert.modeling_bert.BertOutput.forward\n    def forward",
        ),
    )
    report = tree.check()
    # The nested marker is part of the copy's text, which the outer source does not have.
    assert report.markers == 1
    assert [f.kind for f in report.findings] == ["copy"]


def test_what_upstream_ignores_silently_is_warned_about_without_failing(tree):
    tree.write(
        ROBERTA,
        """\
        import torch


        # copied from transformers.models.bert.modeling_bert.gelu_like
        def gelu_like(x):
            return x


        # Copied from transformers.models.bert.modeling_bert.gelu_like with Bert -> Roberta
        def gelu_like_too(x):
            y = x * 0.5
            return y * (1.0 + torch.tanh(y))
        """,
    )
    report = tree.check()
    assert (report.findings, report.exit_code) == ([], 0)
    assert [(w.line, w.message) for w in report.warnings] == [
        (4, "not a marker, so not checked: # copied from transformers.models.bert.modeling_bert.gelu_like"),
        (9, "ignored in the replace spec: 'Bert -> Roberta'"),
    ]
